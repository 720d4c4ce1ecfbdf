-- The rhi-timeliness monthly summary (end basis, no groups) for one authority, hand-written
-- for speed: the baseline the API is measured against, and the query the Python peer serves.
-- Parameters (psql variables): :'la', :'from', :'to', :'as_of'.
-- Same rules as the engine (docs/INDICATORS.md §1): due = return + 72 h when the return has a time,
-- else return date + 3 days; judged in hours when both sides have a time, else in days; a
-- recorded refusal stops the duty on the offer date (or the return date). Each case is placed
-- in its period with width_bucket (no join), and the open/overdue snapshots at each period's
-- end are counted from each case's first and last snapshot index (+1/-1 and a running sum).
WITH p AS (
    SELECT ord, greatest(m::date, :'from'::date) AS ps,
           least((m + interval '1 month' - interval '1 day')::date, :'to'::date) AS pe
    FROM generate_series(date_trunc('month', :'from'::date), :'to'::date, interval '1 month')
         WITH ORDINALITY AS g(m, ord)
),
bk AS (
    SELECT array_agg(ps ORDER BY ord) AS starts, array_agg(pe ORDER BY ord) AS ends,
           array_agg(least(pe, :'as_of'::date) ORDER BY ord) FILTER (WHERE least(pe, :'as_of'::date) >= ps) AS snaps
    FROM p
),
e AS (
    SELECT m.returned_on AS s_on,
           CASE WHEN m.rhi_held_on IS NOT NULL AND (m.rhi_accepted IS DISTINCT FROM false OR m.rhi_held_on <= coalesce(m.rhi_offered_on, m.returned_on))
                THEN m.rhi_held_on
                WHEN m.rhi_accepted = false THEN coalesce(m.rhi_offered_on, m.returned_on) END AS out_on,
           CASE WHEN m.rhi_held_on IS NOT NULL AND (m.rhi_accepted IS DISTINCT FROM false OR m.rhi_held_on <= coalesce(m.rhi_offered_on, m.returned_on))
                THEN CASE WHEN (CASE WHEN m.returned_at_has_time AND m.rhi_held_at_has_time
                                     THEN m.rhi_held_at <= m.returned_at + interval '72 hours'
                                     ELSE (m.rhi_held_on - m.returned_on) * 24 <= 72 END) THEN 'met' ELSE 'missed' END
                WHEN m.rhi_accepted = false THEN
                     CASE WHEN coalesce(m.rhi_offered_on, m.returned_on) <= due.on THEN 'not_applicable' ELSE 'missed' END
           END AS outcome,
           CASE WHEN m.rhi_held_on IS NOT NULL AND (m.rhi_accepted IS DISTINCT FROM false OR m.rhi_held_on <= coalesce(m.rhi_offered_on, m.returned_on))
                THEN CASE WHEN m.returned_at_has_time AND m.rhi_held_at_has_time
                          THEN round((extract(epoch FROM m.rhi_held_at - m.returned_at) / 3600)::numeric, 1)::float8
                          ELSE ((m.rhi_held_on - m.returned_on) * 24)::float8 END
                ELSE ((coalesce(m.rhi_offered_on, m.returned_on) - m.returned_on) * 24)::float8 END AS elapsed,
           -- overdue from the first snapshot on or after this day
           CASE WHEN m.returned_at_has_time THEN due.on ELSE due.on + 1 END AS overdue_from
    FROM missing_episodes m
    CROSS JOIN LATERAL (SELECT CASE WHEN m.returned_at_has_time
                                    THEN ((m.returned_at + interval '72 hours') AT TIME ZONE 'Europe/London')::date
                                    ELSE m.returned_on + 3 END AS on) due
    WHERE m.la_code = :'la' AND m.kind = 'missing' AND m.returned_at IS NOT NULL
      AND m.returned_on <= :'as_of'::date
      -- only cases that can count in the range: not ended (interview or refusal) before its start
      AND (m.rhi_held_on IS NULL OR m.rhi_held_on >= :'from'::date)
      AND (m.rhi_accepted IS DISTINCT FROM false OR coalesce(m.rhi_offered_on, m.returned_on) >= :'from'::date)
),
comp AS (
    SELECT c.ord,
           count(*) FILTER (WHERE c.outcome IN ('met', 'missed')) AS denominator,
           count(*) FILTER (WHERE c.outcome = 'met') AS numerator,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.elapsed) FILTER (WHERE c.outcome IN ('met', 'missed')) AS median_elapsed,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY c.elapsed) FILTER (WHERE c.outcome IN ('met', 'missed')) AS p90_elapsed,
           count(*) FILTER (WHERE c.outcome = 'not_applicable') AS not_applicable
    FROM (SELECT e.*, width_bucket(e.out_on, bk.starts) AS ord FROM e, bk
          WHERE e.out_on IS NOT NULL AND e.out_on <= :'as_of'::date) c, bk
    WHERE c.ord >= 1 AND c.out_on <= bk.ends[c.ord]
    GROUP BY c.ord
),
sd AS (
    SELECT v.ord, sum(v.dopen) AS dopen, sum(v.dover) AS dover
    FROM (SELECT * FROM (SELECT width_bucket(e.s_on - 1, bk.snaps) + 1 AS f,
                                CASE WHEN e.out_on IS NULL OR e.out_on > :'as_of'::date THEN cardinality(bk.snaps)
                                     ELSE width_bucket(e.out_on - 1, bk.snaps) END AS l,
                                width_bucket(e.overdue_from - 1, bk.snaps) + 1 AS fo
                         FROM e, bk
                         WHERE e.s_on <= bk.snaps[cardinality(bk.snaps)]
                           AND (e.out_on IS NULL OR e.out_on > bk.snaps[1])) x
          WHERE x.f <= x.l) c
    CROSS JOIN LATERAL (VALUES (c.f, 1, 0), (c.l + 1, -1, 0), (greatest(c.f, c.fo), 0, 1), (c.l + 1, 0, -1)) v(ord, dopen, dover)
    WHERE (v.dopen <> 0) OR (v.dover <> 0 AND greatest(c.f, c.fo) <= c.l)
    GROUP BY v.ord
)
SELECT p.ord, p.ps, p.pe,
       coalesce(comp.denominator, 0) AS denominator, coalesce(comp.numerator, 0) AS numerator,
       comp.median_elapsed, comp.p90_elapsed, coalesce(comp.not_applicable, 0) AS not_applicable,
       coalesce(sum(sd.dopen) OVER w, 0) AS open_at_period_end,
       coalesce(sum(sd.dover) OVER w, 0) AS overdue_at_period_end
FROM p LEFT JOIN comp ON comp.ord = p.ord LEFT JOIN sd ON sd.ord = p.ord
WINDOW w AS (ORDER BY p.ord)
ORDER BY p.ord;
