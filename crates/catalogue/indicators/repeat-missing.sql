-- One case per child and financial year (1 April to 31 March) with a missing episode.
SELECT y.child_id || '@' || y.fy AS case_id, y.child_id, y.team, y.worker_id, y.first_on AS start_on,
       y.n >= 3 AS holds,
       CASE WHEN y.any_care THEN 'care' WHEN y.any_home THEN 'home' END AS g_missing_from
FROM (SELECT m.child_id,
             extract(year FROM m.started_on - interval '3 months')::int AS fy,
             min(m.started_on) AS first_on,
             count(*) FILTER (WHERE m.started_on <= :'as_of') AS n,
             (array_agg(m.team ORDER BY m.started_on, m.id))[1] AS team,
             (array_agg(m.worker_id ORDER BY m.started_on, m.id))[1] AS worker_id,
             coalesce(bool_or(m.in_care), false) AS any_care,
             coalesce(bool_or(NOT m.in_care), false) AS any_home
      FROM missing_episodes m
      WHERE m.la_code = :'la' AND m.kind = 'missing'
      GROUP BY m.child_id, extract(year FROM m.started_on - interval '3 months')) y;
