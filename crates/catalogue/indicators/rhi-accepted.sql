\ir _shared.psql
SELECT m.id AS case_id, m.child_id, m.team, m.worker_id, m.rhi_offered_on AS start_on,
       coalesce(m.rhi_accepted, false) AS holds,
       m.rhi_provider AS g_provider, :missing_from
FROM missing_episodes m
WHERE m.la_code = :'la' AND m.kind = 'missing' AND m.rhi_offered_at IS NOT NULL;
