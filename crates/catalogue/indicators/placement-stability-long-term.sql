\ir _shared.psql
-- The cohort at the day :'at': children under 16 that day (birth month, taking the 1st) looked
-- after continuously for at least 2.5 years (a period of care open that day that started 30 months
-- or more before it; not a series of short breaks), one case per period. It holds when the child
-- has lived with the same carer for at least 2 years: the last placement of the period
-- (`:is_placement`) that changed carer (RNE S, P or B, or an API placement without RNE; L, T and U
-- keep the carer, and so does a return from a temporary placement) started 2 years or more before
-- the day; for a child placed for adoption
-- (the episode current that day is A3-A6), the carer before the adoptive placement counts from its
-- own start (the adoptive placement together with the one before it).
SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, :'at'::date AS start_on,
       coalesce(CASE WHEN cur.placement_type IN ('A3', 'A4', 'A5', 'A6') AND cardinality(k.starts) >= 2
                     THEN k.starts[2] ELSE k.starts[1] END <= (:'at'::date - interval '2 years')::date,
                false) AS holds
FROM cla_periods p
JOIN children c ON c.la_code = p.la_code AND c.id = p.child_id
LEFT JOIN LATERAL (
  SELECT pl.placement_type FROM placements pl
  WHERE pl.la_code = p.la_code AND pl.cla_period_id = p.id AND pl.started_on <= :'at'::date
  ORDER BY pl.started_on DESC LIMIT 1) cur ON true
LEFT JOIN LATERAL (
  SELECT array_agg(e.started_on ORDER BY e.started_on DESC) AS starts
  FROM (SELECT pl.started_on, pl.placement_type, pl.legal_status, pl.reason_new,
               lag(pl.placement_type) OVER w AS prev_type, lag(pl.placement_type, 2) OVER w AS prev2_type
        FROM placements pl
        WHERE pl.la_code = p.la_code AND pl.cla_period_id = p.id AND pl.started_on <= :'at'::date
        WINDOW w AS (ORDER BY pl.started_on)) e
  WHERE coalesce(e.reason_new, 'P') IN ('S', 'P', 'B') AND :is_placement AND NOT :return_from_temporary) k ON true
WHERE p.la_code = :'la' AND p.started_on <= (:'at'::date - interval '30 months')::date
  AND (p.ended_on IS NULL OR p.ended_on > :'at'::date) AND :not_short_breaks
  AND c.birth_month IS NOT NULL AND :'at'::date < (c.birth_month + interval '16 years')::date;
