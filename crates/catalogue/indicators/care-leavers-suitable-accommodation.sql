SELECT o.id AS case_id, o.child_id, o.team, o.worker_id, o.birthday_month AS start_on,
       coalesce(o.accommodation_suitable, false) AS holds,
       CASE WHEN o.age <= 18 THEN '17-18' ELSE '19-21' END AS g_age_group
FROM care_leaver_outcomes o
WHERE o.la_code = :'la' AND coalesce(o.in_touch, '') NOT IN ('DIED', 'RHOM');
