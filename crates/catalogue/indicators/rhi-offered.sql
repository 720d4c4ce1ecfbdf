\ir _shared.psql
SELECT m.id AS case_id, m.child_id, m.team, m.worker_id, m.returned_on AS start_on,
       (m.rhi_offered_on IS NOT NULL AND m.rhi_offered_on <= :'as_of') AS holds,
       m.rhi_provider AS g_provider, :missing_from
FROM missing_episodes m
WHERE m.la_code = :'la' AND m.kind = 'missing' AND m.returned_at IS NOT NULL;
