\ir _shared.psql
SELECT r.id AS case_id, r.child_id, coalesce(r.team, p.team) AS team,
       coalesce(r.worker_id, p.worker_id) AS worker_id,
       :date_start r.held_on AS start_on,
       :date_end r.care_plan_updated_on AS end_on,
       p.ended_on AS stop_on, :own_limit
FROM cla_reviews r JOIN cla_periods p ON p.la_code = r.la_code AND p.id = r.cla_period_id
WHERE r.la_code = :'la' AND r.held_on >= p.started_on
  AND (p.ended_on IS NULL OR r.held_on <= p.ended_on) AND :not_short_breaks;
