-- National (or regional) figures: a key with the `read:national` scope reads the summary of
-- every authority. Each authority's figures are still computed under row-level security with
-- that authority set (one at a time, in one read-only snapshot); the only thing read across
-- authorities is their data versions, through this reviewed function, to tag and cache the
-- national answer. It exposes version counters and change times, nothing about any child.
CREATE FUNCTION dw_data_versions()
    RETURNS TABLE (la_code text, version bigint, changed_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT d.la_code, d.version, d.changed_at FROM public.data_versions d
    WHERE d.version > 0 ORDER BY d.la_code
$fn$;
REVOKE EXECUTE ON FUNCTION dw_data_versions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dw_data_versions() TO driftwatch_app;
