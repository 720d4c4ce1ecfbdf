DROP FUNCTION dw_issue_token(bigint, bytea, bytea, text, integer);
ALTER TABLE api_keys DROP COLUMN client_credentials;
