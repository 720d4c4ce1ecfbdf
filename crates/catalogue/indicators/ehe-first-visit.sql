\ir _shared.psql
SELECT e.id AS case_id, e.child_id, e.team, e.worker_id,
       :date_start e.registered_on AS start_on,
       :date_end e.first_visit_on AS end_on,
       e.ended_on AS stop_on, :own_limit
FROM ehe_registrations e WHERE e.la_code = :'la';
