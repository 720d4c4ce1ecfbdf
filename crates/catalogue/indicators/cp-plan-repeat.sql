SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, p.started_on AS start_on,
       coalesce(p.previous_plans, 0) > 0
       OR EXISTS (SELECT 1 FROM cp_plans q WHERE q.la_code = p.la_code AND q.child_id = p.child_id
                  AND q.id <> p.id AND q.started_on < p.started_on) AS holds,
       p.initial_category AS g_category
FROM cp_plans p WHERE p.la_code = :'la';
