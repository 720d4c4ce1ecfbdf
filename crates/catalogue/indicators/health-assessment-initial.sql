\ir _shared.psql
SELECT :plan_case :date_end h.first_on AS end_on, p.ended_on AS stop_on, :own_limit
FROM cla_periods p
LEFT JOIN LATERAL (SELECT min(h.completed_on) AS first_on FROM health_assessments h
                   WHERE h.kind = 'initial' AND :assessment_of_period) h ON true
WHERE p.la_code = :'la' AND p.start_known AND :not_short_breaks;
