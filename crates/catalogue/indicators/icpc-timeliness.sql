\ir _shared.psql
SELECT e.id AS case_id, e.child_id, e.team, e.worker_id,
       :date_start coalesce(sd.held_on, e.started_on) AS start_on,
       :date_end ic.held_on AS end_on,
       NULL::date AS stop_on, :own_limit
FROM section47_enquiries e
LEFT JOIN strategy_discussions sd ON sd.la_code = e.la_code AND sd.id = e.strategy_discussion_id
LEFT JOIN (SELECT c.s47_enquiry_id, min(c.held_on) AS held_on FROM cp_conferences c
           WHERE c.la_code = :'la' AND c.kind = 'initial' AND c.s47_enquiry_id IS NOT NULL
           GROUP BY c.s47_enquiry_id) ic ON ic.s47_enquiry_id = e.id
WHERE e.la_code = :'la' AND (e.icpc_required IS DISTINCT FROM false OR ic.held_on IS NOT NULL);
