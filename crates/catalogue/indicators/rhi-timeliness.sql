\ir _shared.psql
SELECT m.id AS case_id, m.child_id, m.team, m.worker_id,
       m.returned_at AS start_at, m.returned_at_has_time AS start_has_time, m.returned_on AS start_on,
       m.rhi_held_at AS end_at, m.rhi_held_at_has_time AS end_has_time, m.rhi_held_on AS end_on,
       CASE WHEN m.rhi_accepted = false THEN coalesce(m.rhi_offered_on, m.returned_on) END AS stop_on,
       :own_limit,
       m.rhi_provider AS g_provider, :missing_from, m.in_care AS g_in_care
FROM missing_episodes m
WHERE m.la_code = :'la' AND m.kind = 'missing' AND m.returned_at IS NOT NULL;
