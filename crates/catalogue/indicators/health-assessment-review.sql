\ir _shared.psql
SELECT p.id AS series_id, h.id AS event_id, h.completed_on AS event_on, p.ended_on AS stop_on,
       p.child_id, p.team, p.worker_id,
       CASE WHEN h.completed_on < (c.birth_month + interval '5 years')::date THEN 6 END AS lim_n,
       CASE WHEN h.completed_on < (c.birth_month + interval '5 years')::date THEN 'months' END AS lim_unit
FROM cla_periods p
JOIN health_assessments h ON :assessment_of_period
LEFT JOIN children c ON c.la_code = p.la_code AND c.id = p.child_id
WHERE p.la_code = :'la' AND :not_short_breaks;
