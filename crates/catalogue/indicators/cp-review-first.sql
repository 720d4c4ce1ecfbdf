\ir _shared.psql
SELECT :plan_case :date_end rc.first_on AS end_on, p.ended_on AS stop_on, :own_limit
FROM cp_plans p
LEFT JOIN LATERAL (SELECT min(c.held_on) AS first_on FROM cp_conferences c
                   WHERE c.la_code = p.la_code AND c.cp_plan_id = p.id AND c.kind = 'review'
                     AND c.held_on >= p.started_on) rc ON true
WHERE p.la_code = :'la';
