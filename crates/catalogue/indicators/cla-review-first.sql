\ir _shared.psql
SELECT :plan_case :date_end r.first_on AS end_on, p.ended_on AS stop_on, :own_limit
FROM cla_periods p
LEFT JOIN LATERAL (SELECT min(r.held_on) AS first_on FROM cla_reviews r
                   WHERE r.la_code = p.la_code AND r.cla_period_id = p.id
                     AND r.held_on >= p.started_on) r ON true
WHERE p.la_code = :'la' AND p.start_known AND :not_short_breaks;
