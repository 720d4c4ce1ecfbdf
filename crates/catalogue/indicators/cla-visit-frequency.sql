\ir _shared.psql
SELECT pl.id AS series_id, v.id AS event_id, v.visited_on AS event_on,
       least(pl.ended_on, p.ended_on) AS stop_on, pl.child_id,
       coalesce(pl.team, p.team) AS team, coalesce(pl.worker_id, p.worker_id) AS worker_id,
       CASE WHEN pl.long_term AND v.visited_on >= (pl.started_on + interval '1 year')::date THEN 3 END AS lim_n,
       CASE WHEN pl.long_term AND v.visited_on >= (pl.started_on + interval '1 year')::date THEN 'months' END AS lim_unit
FROM placements pl JOIN cla_periods p ON p.la_code = pl.la_code AND p.id = pl.cla_period_id
JOIN visits v ON v.la_code = pl.la_code AND v.placement_id = pl.id AND v.kind = 'cla'
WHERE pl.la_code = :'la' AND v.child_seen IS NOT FALSE AND v.visited_on >= pl.started_on AND :not_short_breaks;
