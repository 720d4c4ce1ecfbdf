\ir _shared.psql
-- One case per child and 31 March (from the first 31 March on or after the authority's first
-- worker assignment, up to the as-of date): the child looked after that day (a period of care
-- not of short breaks, started on or before it and not ended by it) or with a worker allocated
-- that day. Its team and worker are those of the allocation open that day (the latest started).
WITH ye AS (
    SELECT make_date(y, 3, 31) AS d
    FROM (SELECT min(started_on) AS first FROM worker_assignments WHERE la_code = :'la') f,
         generate_series(extract(year FROM f.first - interval '3 months')::int + 1,
                         extract(year FROM :'as_of'::date)::int) y
    WHERE make_date(y, 3, 31) <= :'as_of'::date
), cohort AS (
    SELECT p.child_id, ye.d FROM cla_periods p JOIN ye ON p.started_on <= ye.d
        AND (p.ended_on IS NULL OR p.ended_on > ye.d)
    WHERE p.la_code = :'la' AND :not_short_breaks
    UNION
    SELECT w.child_id, ye.d FROM worker_assignments w JOIN ye ON w.started_on <= ye.d
        AND (w.ended_on IS NULL OR w.ended_on >= ye.d)
    WHERE w.la_code = :'la'
)
SELECT k.child_id || '@' || k.d AS case_id, k.child_id, cur.team, cur.worker_id, k.d AS start_on,
       (SELECT count(DISTINCT w.worker_id) FROM worker_assignments w
        WHERE w.la_code = :'la' AND w.child_id = k.child_id AND w.started_on <= k.d
          AND (w.ended_on IS NULL OR w.ended_on > (k.d - interval '1 year')::date)) >= 3 AS holds,
       EXISTS (SELECT 1 FROM cla_periods p WHERE p.la_code = :'la' AND p.child_id = k.child_id
               AND p.started_on <= k.d AND (p.ended_on IS NULL OR p.ended_on > k.d)
               AND :not_short_breaks) AS g_looked_after
FROM cohort k
LEFT JOIN LATERAL (
    SELECT w.team, w.worker_id FROM worker_assignments w
    WHERE w.la_code = :'la' AND w.child_id = k.child_id AND w.started_on <= k.d
      AND (w.ended_on IS NULL OR w.ended_on >= k.d)
    ORDER BY w.started_on DESC, w.id DESC LIMIT 1
) cur ON true;
