\ir _shared.psql
SELECT f.id AS case_id, f.child_id, f.team, f.worker_id,
       :date_start f.notified_on AS start_on,
       :date_end v.first_on AS end_on,
       f.ended_on AS stop_on, :own_limit
FROM private_fostering f
LEFT JOIN LATERAL (SELECT min(v.visited_on) AS first_on FROM visits v
                   WHERE v.la_code = f.la_code AND v.private_fostering_id = f.id
                     AND v.kind = 'private_fostering' AND v.child_seen IS NOT FALSE
                     AND v.visited_on >= f.notified_on) v ON true
WHERE f.la_code = :'la';
