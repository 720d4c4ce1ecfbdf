\ir _shared.psql
-- The cohort at the day :'at': children looked after that day (a period of care open on it, not a
-- series of short breaks), one case per period. It holds when the child had 3 or more placements
-- in the year ending that day (from the day after the same date a year earlier): the placement
-- held on the year's first day (any episode current that day), plus each episode starting in the
-- year that changes placement (RNE other than L, legal status only; an API placement without RNE
-- is a move), over all the child's periods; temporary placements (PLACE T0-T4) and short-break
-- episodes (LS V3/V4) are not placements.
SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, :'at'::date AS start_on,
       coalesce(n.moves, 0) + CASE WHEN n.held THEN 1 ELSE 0 END >= 3 AS holds
FROM cla_periods p
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE pl.started_on >= (:'at'::date - interval '1 year')::date + 1
                            AND coalesce(pl.reason_new, 'P') <> 'L') AS moves,
         bool_or(pl.started_on < (:'at'::date - interval '1 year')::date + 1) AS held
  FROM placements pl
  WHERE pl.la_code = p.la_code AND pl.child_id = p.child_id AND pl.started_on <= :'at'::date
    AND (pl.ended_on IS NULL OR pl.ended_on >= (:'at'::date - interval '1 year')::date + 1)
    AND coalesce(pl.placement_type, '') NOT IN ('T0', 'T1', 'T2', 'T3', 'T4')
    AND coalesce(pl.legal_status, '') NOT IN ('V3', 'V4')) n ON true
WHERE p.la_code = :'la' AND p.started_on <= :'at'::date
  AND (p.ended_on IS NULL OR p.ended_on > :'at'::date) AND :not_short_breaks;
