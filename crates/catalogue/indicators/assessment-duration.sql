\ir _shared.psql
SELECT a.id AS case_id, a.child_id, a.team, a.worker_id,
       :date_start a.started_on AS start_on,
       :date_end a.authorised_on AS end_on,
       NULL::date AS stop_on, :own_limit
FROM assessments a
WHERE a.la_code = :'la';
