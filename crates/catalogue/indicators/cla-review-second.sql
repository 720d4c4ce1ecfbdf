\ir _shared.psql
SELECT f.id AS case_id, p.child_id, p.team, p.worker_id,
       :date_start f.held_on AS start_on,
       :date_end s.second_on AS end_on,
       p.ended_on AS stop_on, :own_limit
FROM cla_periods p
JOIN LATERAL (SELECT r.id, r.held_on FROM cla_reviews r
              WHERE r.la_code = p.la_code AND r.cla_period_id = p.id AND r.held_on >= p.started_on
              ORDER BY r.held_on, r.id LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT min(r.held_on) AS second_on FROM cla_reviews r
                   WHERE r.la_code = p.la_code AND r.cla_period_id = p.id
                     AND r.held_on > f.held_on) s ON true
WHERE p.la_code = :'la' AND p.start_known
  AND (p.ended_on IS NULL OR f.held_on < p.ended_on) AND :not_short_breaks;
