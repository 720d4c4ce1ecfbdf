\ir _shared.psql
SELECT p.id AS series_id, g.id AS event_id, g.held_on AS event_on, p.ended_on AS stop_on,
       p.child_id, p.team, p.worker_id, :own_limit
FROM cp_plans p JOIN core_groups g ON g.la_code = p.la_code AND g.cp_plan_id = p.id
WHERE p.la_code = :'la' AND g.held_on >= p.started_on;
