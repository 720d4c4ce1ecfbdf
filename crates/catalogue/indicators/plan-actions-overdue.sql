\ir _shared.psql
SELECT a.id AS case_id, a.child_id, a.team, a.worker_id,
       :date_start a.target_date AS start_on,
       :date_end
       CASE WHEN a.completed_on IS NOT NULL THEN greatest(a.completed_on, a.target_date) END AS end_on,
       CASE WHEN coalesce(cp.ended_on, cin.ended_on) IS NOT NULL
            THEN greatest(coalesce(cp.ended_on, cin.ended_on), a.target_date) END AS stop_on,
       :own_limit,
       CASE WHEN a.cp_plan_id IS NOT NULL THEN 'cp' ELSE 'cin' END AS g_plan_type
FROM plan_actions a
LEFT JOIN cp_plans cp ON cp.la_code = a.la_code AND cp.id = a.cp_plan_id
LEFT JOIN cin_plans cin ON cin.la_code = a.la_code AND cin.id = a.cin_plan_id
WHERE a.la_code = :'la' AND a.target_date IS NOT NULL;
