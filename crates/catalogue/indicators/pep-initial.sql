\ir _shared.psql
SELECT :plan_case :date_end e.first_on AS end_on, p.ended_on AS stop_on, :own_limit
FROM cla_periods p
LEFT JOIN children c ON c.la_code = p.la_code AND c.id = p.child_id
LEFT JOIN LATERAL (SELECT min(coalesce(e.initiated_on, e.completed_on)) AS first_on FROM peps e
                   WHERE e.la_code = p.la_code AND e.cla_period_id = p.id
                     AND coalesce(e.initiated_on, e.completed_on) >= p.started_on) e ON true
WHERE p.la_code = :'la' AND p.start_known
  AND (c.birth_month IS NULL OR p.started_on >= (c.birth_month + interval '3 years')::date) AND :not_short_breaks;
