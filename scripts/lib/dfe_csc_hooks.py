"""schemathesis hooks for scripts/dfe-csc-conformance (SCHEMATHESIS_HOOKS=dfe_csc_hooks).

Requests valid for the DfE's definition (../shared/external/dfe-csc-api/openapi.json) that
driftwatch refuses with 400 because its record rules apply to this route as to every other, and
the definition cannot express them (docs/dfe-feed.md "Conformance with the DfE's definition"):
an end before its start within one object, dates outside driftwatch's calendar (1990-2040), a
request without a body, one child's overlapping periods of care. So that positive data
acceptance stays checked, the hooks keep these out of the valid requests generated; only values
that are already valid dates are moved, so a negative body stays negative, and map_case and
filter_case touch valid requests only.
"""

import datetime

import schemathesis

# The members of one object whose dates driftwatch requires in this order (earliest first).
ORDERED = [
    ("date_of_birth", "uasc_end_date"),
    ("referral_date", "closure_date"),
    ("start_date", "authorisation_date"),
    ("start_date", "icpc_date", "end_date"),
    ("start_date", "end_date"),
    ("initial_decision_date", "matched_date", "placed_date"),
]


def _is_date(v):
    if not isinstance(v, str) or len(v) != 10:
        return False
    try:
        datetime.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _in_range(v):
    """driftwatch's calendar runs from 1990 to 2040 (docs/INDICATORS.md); the DfE's dates have
    no range. A valid date outside it is moved to a year from 1992 to 2039 with the same
    remainder modulo 48 (so a 29 February stays a leap day)."""
    y = int(v[:4])
    if 1990 <= y <= 2040:
        return v
    return f"{1992 + y % 48:04d}{v[4:]}"


def _order(node):
    if isinstance(node, list):
        for item in node:
            _order(item)
    elif isinstance(node, dict):
        for k, v in node.items():
            if "date" in k and _is_date(v):
                node[k] = _in_range(v)
        for members in ORDERED:
            present = [m for m in members if m in node]
            if len(present) > 1 and all(_is_date(node[m]) for m in present):
                for m, v in zip(present, sorted(node[m] for m in present)):
                    node[m] = v
        for value in node.values():
            _order(value)


@schemathesis.hook
def map_body(ctx, body):
    _order(body)
    return body


def _dedupe(node):
    """Keep the first of the objects of one list that share an id member (`la_child_id`,
    `social_care_episode_id`, `..._id`)."""
    if isinstance(node, list):
        seen, out = set(), []
        for item in node:
            key = None
            if isinstance(item, dict):
                key = next(
                    ((k, item[k]) for k in sorted(item) if k.endswith("_id") and k != "mis_child_id"
                     and k != "worker_id" and isinstance(item[k], str)),
                    None,
                )
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            out.append(_dedupe(item))
        return out
    if isinstance(node, dict):
        return {k: _dedupe(v) for k, v in node.items()}
    return node


def _one_placement(child):
    """One child's periods of care must not overlap (driftwatch's rule on every route; the
    definition's placements are independent objects with independent dates, and generated ones
    overlap nearly always): a valid child keeps the first placement that would open a period
    (one with a start date and not purged), and drops the others that would."""
    kept = False
    for episode in child.get("social_care_episodes") or []:
        if not isinstance(episode, dict) or not isinstance(
            episode.get("child_looked_after_placements"), list
        ):
            continue
        out = []
        for p in episode["child_looked_after_placements"]:
            opens = isinstance(p, dict) and "start_date" in p and p.get("purge") is not True
            if opens and kept:
                continue
            kept = kept or opens
            out.append(p)
        episode["child_looked_after_placements"] = out


_fresh = iter(range(1, 10**9))


@schemathesis.hook
def map_case(ctx, case):
    # Only a valid body: a negative one is left as generated. Each child of a valid body gets an
    # la_child_id no earlier request used (`Z` and a counter: the definition's pattern), so that
    # what earlier generated requests stored about "Child1234" cannot conflict with it (one
    # child's periods of care must not overlap, across requests and episodes alike).
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_negative and isinstance(case.body, list):
        case.body = _dedupe(case.body)
        for child in case.body:
            if isinstance(child, dict) and isinstance(child.get("la_child_id"), str):
                child["la_child_id"] = f"Z{next(_fresh)}"
            if isinstance(child, dict):
                _one_placement(child)
    return case


@schemathesis.hook
def filter_case(ctx, case):
    # The definition leaves the request body optional (its requestBody is not `required`), so a
    # request without one counts as valid; driftwatch refuses it (400: there is no batch to
    # receive). Such a case is not generated as valid; a body-less negative case still runs.
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_negative:
        from schemathesis.core import NOT_SET

        return case.body is not NOT_SET and case.body is not None
    return True
