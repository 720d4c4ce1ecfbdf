\ir _shared.psql
SELECT :plan_anchor FROM cin_plans p WHERE p.la_code = :'la'
UNION ALL
SELECT p.id, v.id, v.visited_on, p.ended_on, p.child_id, p.team, p.worker_id, NULL::int, NULL::text
FROM cin_plans p JOIN visits v ON v.la_code = p.la_code AND v.cin_plan_id = p.id
WHERE p.la_code = :'la' AND v.kind = 'cin' AND v.child_seen AND v.visited_on >= p.started_on;
