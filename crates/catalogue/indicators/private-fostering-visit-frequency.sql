SELECT f.id AS series_id, v.id AS event_id, v.visited_on AS event_on, f.ended_on AS stop_on,
       f.child_id, f.team, f.worker_id,
       CASE WHEN v.visited_on >= (greatest(f.notified_on, coalesce(f.arrangement_started_on, f.notified_on))
                                  + interval '1 year')::date THEN 12 END AS lim_n,
       CASE WHEN v.visited_on >= (greatest(f.notified_on, coalesce(f.arrangement_started_on, f.notified_on))
                                  + interval '1 year')::date THEN 'weeks' END AS lim_unit
FROM private_fostering f
JOIN visits v ON v.la_code = f.la_code AND v.private_fostering_id = f.id AND v.kind = 'private_fostering'
WHERE f.la_code = :'la' AND v.child_seen IS NOT FALSE AND v.visited_on >= f.notified_on;
