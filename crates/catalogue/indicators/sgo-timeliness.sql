\ir _shared.psql
SELECT pp.id AS case_id, pp.child_id, pp.team, pp.worker_id,
       :date_start pp.decided_on AS start_on,
       :date_end pp.achieved_on AS end_on,
       pp.ended_on AS stop_on, :own_limit
FROM permanence_plans pp WHERE pp.la_code = :'la' AND pp.plan_type = 'sgo';
