\ir _shared.psql
SELECT a.id AS case_id, a.child_id, a.team, a.worker_id,
       r.received_at AS start_at, r.received_at_has_time AS start_has_time, r.received_on AS start_on,
       :date_end a.authorised_on AS end_on,
       NULL::date AS stop_on, :own_limit
FROM assessments a JOIN referrals r ON r.la_code = a.la_code AND r.id = a.referral_id
WHERE a.la_code = :'la';
