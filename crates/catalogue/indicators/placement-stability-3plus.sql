\ir _shared.psql
-- The cohort at the day :'at': children looked after that day (a period of care open on it, not a
-- series of short breaks), one case per period. It holds when the child had 3 or more placements
-- in the year ending that day (from the day after the same date a year earlier): the placement
-- held on the year's first day (any placement current that day), plus each episode starting in the
-- year that changes placement (RNE other than L, legal status only; an API placement without RNE
-- is a move) and is not a return from a temporary placement, over all the child's periods;
-- temporary placements and short-break episodes are not placements (`:is_placement`).
SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, :'at'::date AS start_on,
       coalesce(n.moves, 0) + CASE WHEN n.held THEN 1 ELSE 0 END >= 3 AS holds
FROM cla_periods p
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE e.started_on >= (:'at'::date - interval '1 year')::date + 1
                            AND coalesce(e.reason_new, 'P') <> 'L' AND NOT :return_from_temporary) AS moves,
         bool_or(e.started_on < (:'at'::date - interval '1 year')::date + 1) AS held
  FROM (SELECT pl.started_on, pl.ended_on, pl.placement_type, pl.legal_status, pl.reason_new,
               lag(pl.placement_type) OVER w AS prev_type, lag(pl.placement_type, 2) OVER w AS prev2_type
        FROM placements pl
        WHERE pl.la_code = p.la_code AND pl.child_id = p.child_id AND pl.started_on <= :'at'::date
        WINDOW w AS (ORDER BY pl.started_on)) e
  WHERE (e.ended_on IS NULL OR e.ended_on >= (:'at'::date - interval '1 year')::date + 1)
    AND :is_placement) n ON true
WHERE p.la_code = :'la' AND p.started_on <= :'at'::date
  AND (p.ended_on IS NULL OR p.ended_on > :'at'::date) AND :not_short_breaks;
