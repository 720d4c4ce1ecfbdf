\ir _shared.psql
SELECT a.id AS case_id, a.child_id, a.team, a.worker_id,
       :date_start a.entered_care_on AS start_on,
       :date_end a.adoption_order_on AS end_on,
       CASE WHEN a.decision_reversed_on IS NOT NULL THEN greatest(a.decision_reversed_on, a.entered_care_on) END AS stop_on,
       :own_limit, a.placed_on AS clock_end_on
FROM adoptions a WHERE a.la_code = :'la';
