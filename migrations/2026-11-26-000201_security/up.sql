-- Security: the API's own database role, row-level security on every tenant table, key lookup
-- without a tenant, and the append-only audit log.
--
-- The API connects as `driftwatch_app`: LOGIN, not a superuser, no BYPASSRLS, owns nothing. The
-- migrations and the CLI run as the owner (DATABASE_URL), which must be a superuser or have
-- BYPASSRLS (the CLI works across authorities). Roles are cluster-wide, so the role is created
-- once per cluster and granted privileges per database; its password, if the server asks for
-- one, is set by `driftwatch migrate` from DRIFTWATCH_APP_DB_PASSWORD.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'driftwatch_app') THEN
        CREATE ROLE driftwatch_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
EXCEPTION
    -- Another database of this cluster created it at the same moment.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO driftwatch_app;

-- dw_apply_rls(): for every table of the public schema with an `la_code` column that has no
-- `dw_tenant` policy yet: enable and force row-level security, add the policy (rows of the
-- authority in `driftwatch.la_code`, which every request sets with SET LOCAL; nothing at all
-- when it is not set) and grant the API role SELECT, INSERT, UPDATE, DELETE. Tables without
-- `la_code` (shared reference data) that the API role cannot read yet become readable (only).
-- Views are made security_invoker so they cannot bypass the policies of the tables they read.
-- Every migration that adds a table ends with `SELECT dw_apply_rls();`.
CREATE FUNCTION dw_apply_rls() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.oid, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped)
          AND NOT EXISTS (SELECT 1 FROM pg_policy p
                          WHERE p.polrelid = c.oid AND p.polname = 'dw_tenant')
    LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t.relname);
        EXECUTE format(
            'CREATE POLICY dw_tenant ON public.%I '
            'USING (la_code = current_setting(''driftwatch.la_code'', true)) '
            'WITH CHECK (la_code = current_setting(''driftwatch.la_code'', true))', t.relname);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO driftwatch_app', t.relname);
    END LOOP;
    FOR t IN
        SELECT c.oid, c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped)
          AND NOT has_table_privilege('driftwatch_app', c.oid, 'SELECT')
    LOOP
        EXECUTE format('GRANT SELECT ON public.%I TO driftwatch_app', t.relname);
    END LOOP;
    FOR t IN
        SELECT c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'v'
          AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
    LOOP
        EXECUTE format('ALTER VIEW public.%I SET (security_invoker = true)', t.relname);
    END LOOP;
    FOR t IN
        SELECT c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'v'
          AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped)
          AND NOT has_table_privilege('driftwatch_app', c.oid, 'SELECT')
    LOOP
        EXECUTE format('GRANT SELECT ON public.%I TO driftwatch_app', t.relname);
    END LOOP;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO driftwatch_app;
END
$fn$;
REVOKE EXECUTE ON FUNCTION dw_apply_rls() FROM PUBLIC;

-- Keys: the API never reads the table directly. It resolves a presented key's hash through
-- dw_authenticate (below), and an admin key lists its own authority's keys without their hashes.
ALTER TABLE api_keys ADD COLUMN rotated_from bigint,
    ADD FOREIGN KEY (la_code, rotated_from) REFERENCES api_keys (la_code, id);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY dw_tenant ON api_keys
    USING (la_code = current_setting('driftwatch.la_code', true))
    WITH CHECK (la_code = current_setting('driftwatch.la_code', true));
GRANT SELECT (la_code, id, name, key_prefix, scopes, created_at, expires_at, revoked_at,
              last_used_at, rotated_from),
      UPDATE (revoked_at)
    ON api_keys TO driftwatch_app;

-- The one look-up that happens before the authority is known: a key's hash to its authority
-- and scopes (valid keys only), noting its use at most once a minute. SECURITY DEFINER runs as
-- the owner (which bypasses row-level security); it can only answer for a hash its caller holds.
CREATE FUNCTION dw_authenticate(p_hash bytea)
    RETURNS TABLE (key_id bigint, key_la_code text, key_scopes text[])
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    WITH k AS (
        SELECT a.id, a.la_code, a.scopes, a.last_used_at FROM public.api_keys a
        WHERE a.key_hash = p_hash AND a.revoked_at IS NULL
          AND (a.expires_at IS NULL OR a.expires_at > now())
    ), touch AS (
        UPDATE public.api_keys u SET last_used_at = now()
        WHERE u.id IN (SELECT k.id FROM k
                       WHERE k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
    )
    SELECT k.id, k.la_code, k.scopes FROM k
$fn$;
REVOKE EXECUTE ON FUNCTION dw_authenticate(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dw_authenticate(bytea) TO driftwatch_app;

-- The audit log: one row per child-level read and per write (and per refused attempt by a
-- known key), written in the same transaction as the request's own work where it has one.
-- Append-only: the API role may only INSERT and SELECT, and a trigger refuses UPDATE, DELETE
-- and TRUNCATE for everyone else too.
CREATE TABLE audit_log (
    la_code    text NOT NULL REFERENCES authorities (la_code),
    id         bigint GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    key_id     bigint NOT NULL,
    method     text NOT NULL,
    route      text NOT NULL,
    path       text NOT NULL,
    query      jsonb NOT NULL DEFAULT '{}',
    status     smallint NOT NULL,
    rows       bigint NOT NULL DEFAULT 0,
    children   bigint NOT NULL DEFAULT 0,
    complete   boolean NOT NULL DEFAULT true,
    request_id text NOT NULL,
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, key_id) REFERENCES api_keys (la_code, id)
);
CREATE INDEX audit_log_at ON audit_log (la_code, at);
CREATE INDEX audit_log_key ON audit_log (la_code, key_id, id);

CREATE FUNCTION dw_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION dw_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION dw_audit_append_only();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY dw_tenant ON audit_log
    USING (la_code = current_setting('driftwatch.la_code', true))
    WITH CHECK (la_code = current_setting('driftwatch.la_code', true));
GRANT SELECT, INSERT ON audit_log TO driftwatch_app;

SELECT dw_apply_rls();
