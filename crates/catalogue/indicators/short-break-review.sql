\ir _shared.psql
-- A series of short breaks (a period of care every episode of which is V3/V4) is reviewed within
-- 3 months of the first short break, then at least every 6 months (the indicator's limit). The
-- period's start opens the first interval with its own 3-month limit; a period whose start is not
-- in the data has no anchor, so each of its intervals runs from a known review.
SELECT p.id AS series_id, NULL::text AS event_id, p.started_on AS event_on, p.ended_on AS stop_on,
       p.child_id, p.team, p.worker_id, 3 AS lim_n, 'months'::text AS lim_unit
FROM cla_periods p
WHERE p.la_code = :'la' AND p.start_known AND :short_breaks
UNION ALL
SELECT p.id, r.id, r.held_on, p.ended_on, p.child_id, p.team, p.worker_id, :own_limit
FROM cla_periods p JOIN cla_reviews r ON r.la_code = p.la_code AND r.cla_period_id = p.id
WHERE p.la_code = :'la' AND r.held_on >= p.started_on AND :short_breaks;
