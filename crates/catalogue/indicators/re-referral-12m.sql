SELECT r.id AS case_id, r.child_id, r.team, r.worker_id, r.received_on AS start_on,
       EXISTS (SELECT 1 FROM referrals q WHERE q.la_code = r.la_code AND q.child_id = r.child_id
               AND q.received_on < r.received_on
               AND q.received_on >= (r.received_on - interval '12 months')::date) AS holds,
       r.source AS g_source
FROM referrals r WHERE r.la_code = :'la';
