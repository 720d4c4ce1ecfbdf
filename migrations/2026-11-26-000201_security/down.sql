-- The role driftwatch_app is cluster-wide and may serve other databases: it is not dropped,
-- only its privileges here.
DROP TABLE audit_log;
DROP FUNCTION dw_audit_append_only();
DROP FUNCTION dw_authenticate(bytea);
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             WHERE p.polname = 'dw_tenant'
    LOOP
        EXECUTE format('DROP POLICY dw_tenant ON public.%I', t.relname);
        EXECUTE format('ALTER TABLE public.%I NO FORCE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('ALTER TABLE public.%I DISABLE ROW LEVEL SECURITY', t.relname);
    END LOOP;
END
$$;
DROP FUNCTION dw_apply_rls();
ALTER TABLE api_keys DROP COLUMN rotated_from;
DROP OWNED BY driftwatch_app;
