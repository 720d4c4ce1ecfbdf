SELECT h.id AS case_id, h.child_id, h.team, h.worker_id, h.presented_on AS start_on,
       (h.advised_s20_on IS NOT NULL AND h.advised_s20_on <= :'as_of') AS holds,
       h.outcome AS g_outcome
FROM homeless_presentations h WHERE h.la_code = :'la';
