SELECT t.id AS case_id, t.child_id, t.team, t.worker_id, t.visited_on AS start_on,
       t.outcome = 'statutory_work' AS holds, t.outcome AS g_outcome
FROM threshold_visits t WHERE t.la_code = :'la' AND t.outcome IS NOT NULL;
