\ir _shared.psql
SELECT pl.id AS case_id, pl.child_id, coalesce(pl.team, p.team) AS team,
       coalesce(pl.worker_id, p.worker_id) AS worker_id,
       :date_start pl.started_on AS start_on,
       :date_end v.first_on AS end_on,
       least(pl.ended_on, p.ended_on) AS stop_on, :own_limit
FROM placements pl JOIN cla_periods p ON p.la_code = pl.la_code AND p.id = pl.cla_period_id
LEFT JOIN LATERAL (SELECT min(v.visited_on) AS first_on FROM visits v
                   WHERE v.la_code = pl.la_code AND v.placement_id = pl.id AND v.kind = 'cla'
                     AND v.child_seen IS NOT FALSE AND v.visited_on >= pl.started_on) v ON true
WHERE pl.la_code = :'la' AND (p.ended_on IS NULL OR pl.started_on <= p.ended_on) AND :not_short_breaks;
