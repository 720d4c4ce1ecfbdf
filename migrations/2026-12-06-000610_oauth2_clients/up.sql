-- OAuth 2.0 client credentials (RFC 6749 §4.4; issue 21): a client is a key row marked
-- `client_credentials` whose secret (`dwcs_...`, stored hashed like any key) is never accepted as
-- a bearer key; `POST /oauth2/token` exchanges it for a short-lived `write` key of the client's
-- authority through dw_issue_token (the API's role cannot insert keys itself).
ALTER TABLE api_keys ADD COLUMN client_credentials boolean NOT NULL DEFAULT false;

CREATE FUNCTION dw_issue_token(p_client bigint, p_secret_hash bytea, p_token_hash bytea,
                               p_token_prefix text, p_ttl_seconds integer)
    RETURNS TABLE (token_id bigint, token_la_code text)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    INSERT INTO public.api_keys (la_code, name, key_hash, key_prefix, scopes, expires_at)
    SELECT c.la_code, 'oauth2 token of client ' || c.id, p_token_hash, p_token_prefix,
           ARRAY['write'], now() + make_interval(secs => p_ttl_seconds)
    FROM public.api_keys c
    WHERE c.id = p_client AND c.key_hash = p_secret_hash AND c.client_credentials
      AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now())
      AND 'write' = ANY (c.scopes)
    RETURNING id, la_code
$fn$;
REVOKE EXECUTE ON FUNCTION dw_issue_token(bigint, bytea, bytea, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dw_issue_token(bigint, bytea, bytea, text, integer) TO driftwatch_app;
