-- One case per plan and 31 March at which the plan was open.
SELECT p.id || '@' || y.on_31_march AS case_id, p.child_id, p.team, p.worker_id,
       y.on_31_march AS start_on,
       p.started_on <= (y.on_31_march - interval '2 years')::date AS holds,
       p.initial_category AS g_category
FROM cp_plans p
CROSS JOIN LATERAL (SELECT d::date AS on_31_march
                    FROM generate_series(make_date(extract(year FROM p.started_on)::int, 3, 31)::timestamp,
                                         coalesce(p.ended_on, :'as_of'::date)::timestamp,
                                         interval '1 year') d) y
WHERE p.la_code = :'la' AND y.on_31_march >= p.started_on
  AND (p.ended_on IS NULL OR y.on_31_march < p.ended_on);
