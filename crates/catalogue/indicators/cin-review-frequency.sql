\ir _shared.psql
SELECT :plan_anchor FROM cin_plans p WHERE p.la_code = :'la'
UNION ALL
SELECT p.id, r.id, r.held_on, p.ended_on, p.child_id, p.team, p.worker_id, NULL::int, NULL::text
FROM cin_plans p JOIN plan_reviews r ON r.la_code = p.la_code AND r.cin_plan_id = p.id
WHERE p.la_code = :'la' AND r.held_on >= p.started_on;
