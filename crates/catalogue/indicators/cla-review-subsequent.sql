\ir _shared.psql
SELECT s.series_id, s.event_id, s.event_on, s.stop_on, s.child_id, s.team, s.worker_id,
       :own_limit
FROM (SELECT p.id AS series_id, r.id AS event_id, r.held_on AS event_on, p.ended_on AS stop_on,
             p.child_id, p.team, p.worker_id, p.start_known,
             dense_rank() OVER (PARTITION BY p.id ORDER BY r.held_on) AS k
      FROM cla_periods p JOIN cla_reviews r ON r.la_code = p.la_code AND r.cla_period_id = p.id
      WHERE p.la_code = :'la' AND r.held_on >= p.started_on AND :not_short_breaks) s
WHERE s.k >= 2 OR NOT s.start_known;
