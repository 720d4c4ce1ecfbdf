-- One case per plan ended on or before the as-of day, dated by its end.
SELECT p.id AS case_id, p.child_id, p.team, p.worker_id,
       p.ended_on AS start_on,
       p.started_on <= (p.ended_on - interval '2 years')::date AS holds,
       p.initial_category AS g_category
FROM cp_plans p
WHERE p.la_code = :'la' AND p.ended_on IS NOT NULL AND p.ended_on <= :'as_of'::date;
