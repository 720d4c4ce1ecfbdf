\ir _shared.psql
SELECT s.id AS case_id, s.child_id, s.team, s.worker_id,
       s.concern_identified_at AS start_at, s.concern_identified_at_has_time AS start_has_time,
       s.concern_identified_on AS start_on,
       s.held_at AS end_at, s.held_at_has_time AS end_has_time, s.held_on AS end_on,
       NULL::date AS stop_on, :own_limit,
       s.delay_reason AS g_delay_reason
FROM strategy_discussions s
WHERE s.la_code = :'la' AND s.concern_identified_at IS NOT NULL;
