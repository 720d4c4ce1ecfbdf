SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, a.agreed_on AS start_on,
       a.target_date IS NOT NULL AS holds,
       CASE WHEN a.cp_plan_id IS NOT NULL THEN 'cp' ELSE 'cin' END AS g_plan_type
FROM plan_actions a WHERE a.la_code = :'la';
