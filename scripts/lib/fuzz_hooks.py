"""schemathesis checks of our own, loaded by scripts/fuzz (SCHEMATHESIS_HOOKS=fuzz_hooks)."""

import schemathesis


@schemathesis.check
def errors_are_problem_json(ctx, response, case):
    """Every error response is an RFC 9457 problem document."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
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
