SELECT s.id AS case_id, s.child_id, s.team, s.worker_id, s.held_on AS start_on,
       coalesce(s.police_attended, false) AS holds,
       s.police_invited AS g_police_invited, s.delay_reason AS g_delay_reason
FROM strategy_discussions s WHERE s.la_code = :'la' AND s.held_at IS NOT NULL;
