\ir _shared.psql
SELECT r.id AS case_id, r.child_id, r.team, r.worker_id,
       r.received_at AS start_at, r.received_at_has_time AS start_has_time, r.received_on AS start_on,
       r.decision_at AS end_at, r.decision_at_has_time AS end_has_time, r.decision_on AS end_on,
       NULL::date AS stop_on, :own_limit,
       r.source AS g_source
FROM referrals r
WHERE r.la_code = :'la' AND NOT (r.decision_at IS NULL AND r.outcome IS NOT NULL);
