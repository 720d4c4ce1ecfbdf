"""schemathesis checks of our own, loaded by scripts/fuzz (SCHEMATHESIS_HOOKS=fuzz_hooks)."""

import schemathesis


@schemathesis.check
def errors_are_problem_json(ctx, response, case):
    """Every error response is an RFC 9457 problem document, except where a protocol fixes its
    own: the OData feed answers OData error documents (OData JSON Format 4.0 section 21) and the
    OAuth2 token endpoint RFC 6749 section 5.2 errors."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    path = case.path or ""
    if path.startswith("/odata/"):
        if not content_type.startswith("application/json"):
            raise AssertionError(f"OData {response.status_code} answered as {content_type!r}")
        error = response.json().get("error")
        if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
            raise AssertionError("OData error without error.code and error.message")
        return None
    if path == "/oauth2/token" and case.method.upper() == "POST":
        if not content_type.startswith("application/json"):
            raise AssertionError(f"token {response.status_code} answered as {content_type!r}")
        if not isinstance(response.json().get("error"), str):
            raise AssertionError("RFC 6749 error without `error`")
        return None
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(
            f"{response.status_code} answered as {content_type!r}, not application/problem+json"
        )
    body = response.json()
    for member in ("type", "title", "status", "detail"):
        if member not in body:
            raise AssertionError(f"problem document without `{member}`")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} != {response.status_code}")
    return None
