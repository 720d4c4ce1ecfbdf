SELECT v.id AS case_id, v.child_id, v.team, v.worker_id, v.visited_on AS start_on,
       coalesce(v.seen_alone, false) AS holds, v.kind AS g_visit_kind
FROM visits v
WHERE v.la_code = :'la' AND v.kind IN ('cp', 'cin', 'cla') AND v.child_seen IS NOT FALSE;
