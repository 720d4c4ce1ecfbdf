\ir _shared.psql
SELECT a.id AS case_id, a.child_id, a.team, a.worker_id,
       :date_start a.due_on AS start_on,
       :date_end
       CASE WHEN a.completed_on IS NOT NULL THEN greatest(a.completed_on, a.due_on) END AS end_on,
       NULL::date AS stop_on, :own_limit,
       a.auditor_team AS g_auditor_team
FROM case_audits a WHERE a.la_code = :'la';
