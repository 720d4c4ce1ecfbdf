\ir _shared.psql
SELECT p.id AS series_id, c.id AS event_id, c.held_on AS event_on, p.ended_on AS stop_on,
       p.child_id, p.team, p.worker_id, :own_limit
FROM cp_plans p JOIN cp_conferences c ON c.la_code = p.la_code AND c.cp_plan_id = p.id AND c.kind = 'review'
WHERE p.la_code = :'la' AND c.held_on >= p.started_on;
