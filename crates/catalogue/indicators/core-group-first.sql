\ir _shared.psql
SELECT :plan_case :date_end g.first_on AS end_on, p.ended_on AS stop_on, :own_limit
FROM cp_plans p
LEFT JOIN LATERAL (SELECT min(g.held_on) AS first_on FROM core_groups g
                   WHERE g.la_code = p.la_code AND g.cp_plan_id = p.id AND g.held_on >= p.started_on) g ON true
WHERE p.la_code = :'la';
