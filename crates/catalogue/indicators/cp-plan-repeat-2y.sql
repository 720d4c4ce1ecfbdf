SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, p.started_on AS start_on,
       EXISTS (SELECT 1 FROM cp_plans q WHERE q.la_code = p.la_code AND q.child_id = p.child_id
               AND q.id <> p.id AND q.ended_on IS NOT NULL AND q.ended_on <= p.started_on
               AND q.ended_on >= (p.started_on - interval '2 years')::date) AS holds,
       p.initial_category AS g_category
FROM cp_plans p WHERE p.la_code = :'la';
