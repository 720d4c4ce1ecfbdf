"""Compare the DfE CIN census validator's 8670Q/8675Q children with driftwatch's
`assessment-duration`/`icpc-timeliness` cases (issue 13 item 3; run by scripts/dfe-compare,
which starts a server with a demo authority and imports the public fake CIN census files, each
into an authority of its own).

For every file (the fake ones as imported, and a CIN census exported here from the demo
authority's records through the API, as they stood at a reference date):

1. the validator's flagged blocks, as (child, start date), per rule;
2. the API's cases of the matching indicator as of the file's ReferenceDate that are still open
   then (status `open` or `overdue`, started on or before it);
3. every block the validator flags must be a case driftwatch holds open at the reference date
   and every case driftwatch calls `overdue` must be flagged, except for the differences
   `explain` names, each with the rule's source. Any other difference fails the run.

Both rules only look at blocks still open at the reference date (docs/dfe-validator.md), so the
comparison is with driftwatch's overdue-as-of cases, never its missed ones.

    python tests/dfe/compare.py --base URL --file LA KEY FILE.xml ... --export LA KEY REF
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import urllib.request
import warnings
from zoneinfo import ZoneInfo

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cin_rules import check_file  # noqa: E402
from cin_validator.england_holidates import england_holidates  # noqa: E402
from cin_validator.utils import england_working_days  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)

# rule -> (indicator, the validator's table, its start field, the timescale in working days)
RULES = {
    "8670Q": ("assessment-duration", "AssessmentActualStartDate", 45),
    "8675Q": ("icpc-timeliness", "S47ActualStartDate", 15),
}
LONDON = ZoneInfo("Europe/London")

SOURCE_DUE_DAY = (
    "the validator flags a block whose start is before ReferenceDate - CustomBusinessDay(n - 1) "
    "(cin_validator/utils.py england_working_days; rules/cin2022_23/rule_8670Q.py and "
    "rule_8675Q.py), i.e. from the day it falls due; driftwatch calls a case overdue only after "
    "its due day (docs/INDICATORS.md §1, Status)"
)
SOURCE_WEEKEND = (
    "the reference date is not a working day, and pandas' CustomBusinessDay counts the working "
    "day before it as the first step back (cin_validator/utils.py england_working_days), so the "
    "validator flags from the 44th (14th) working day: a case due on the first working day "
    "after the reference date is flagged and not yet overdue in driftwatch"
)
SOURCE_HOLIDAYS = (
    "the validator's bank holidays are a hand-written list for 2022-2027 only "
    "(cin_validator/england_holidates.py); driftwatch's run 1990-2040 "
    "(crates/domain/data/bank-holidays-england-wales.csv), so the thresholds differ"
)


def get(base, key, path):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=120) as res:
        return res.read().decode()


def ndjson(base, key, path):
    sep = "&" if "?" in path else "?"
    text = get(base, key, f"{path}{sep}format=ndjson")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def day(value):
    """The London date of a record's date or instant."""
    if value is None:
        return None
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LONDON).date()


def working_days(base, key, ref):
    """The authority's working days around the reference date (bank holidays and its own
    closure days), from the API."""
    lo, hi = ref - dt.timedelta(days=200), ref + dt.timedelta(days=20)
    rows = ndjson(base, key, f"/v1/calendar/working-days?from={lo}&to={hi}")
    return {dt.date.fromisoformat(r["day"]): r["is_working_day"] for r in rows}


def validator_threshold(ref, n, holidays=None):
    """ReferenceDate - CustomBusinessDay(n - 1), as the validator computes it (with its own
    holiday table), or with the given holidays."""
    if holidays is None:
        offset = england_working_days(n)
    else:
        import numpy as np

        cal = np.busdaycalendar(holidays=sorted(holidays))
        offset = pd.offsets.CustomBusinessDay(n=n - 1, calendar=cal)
    return (pd.Timestamp(ref) - offset).date()


def explain(case, flagged, ref, n, wd):
    """Why driftwatch and the validator differ on this case: (category, the reason with the
    rule's source), or None when nothing explains it."""
    start, due = day(case["start"]), day(case["due"])
    ours = {d for d, w in wd.items() if not w and d.weekday() < 5}
    theirs = validator_threshold(ref, n)
    full = validator_threshold(ref, n, ours)
    if theirs != full and min(theirs, full) <= start < max(theirs, full):
        return "holidays", SOURCE_HOLIDAYS + f" (threshold {theirs} with the validator's, {full} with ours)"
    if flagged and case["status"] == "open":
        if wd.get(ref) and due == ref:
            return "due_day", SOURCE_DUE_DAY + f" (due {due} = the reference date)"
        nxt = ref + dt.timedelta(days=1)
        while not wd.get(nxt, True):
            nxt += dt.timedelta(days=1)
        if not wd.get(ref) and due == nxt:
            return "weekend", SOURCE_WEEKEND + f" (due {due}, the first working day after {ref})"
    return None


def compare(label, base, key, path, rejected=None):
    """Run the validator on one file and compare it with the API's cases of the authority the
    file's records are in. Returns (unexplained differences, blocks compared: flagged by the
    validator or overdue in driftwatch, [(rule, child, category) of each explained one])."""
    result = check_file(path, list(RULES))
    ref = dt.date.fromisoformat(result["reference_date"])
    wd = working_days(base, key, ref)
    problems, compared, categories = 0, 0, []
    print(f"{label}: ReferenceDate {ref} ({result['ruleset']})")
    if rejected:
        print(f"  rows driftwatch rejected on import (the validator reads them): {rejected}")
    for code, (indicator, start_field, n) in RULES.items():
        flagged = {}
        for row in result["rules"][code]["rows"]:
            flagged[(row["child_id"], row[start_field])] = row
        open_cases = {}
        for c in ndjson(base, key, f"/v1/indicators/{indicator}/cases?as_of={ref}&from=1990-01-01&to={ref}"):
            if c["status"] in ("open", "overdue") and day(c["start"]) <= ref:
                open_cases[(c["child_id"], str(day(c["start"])))] = c
        overdue = {k for k, c in open_cases.items() if c["status"] == "overdue"}
        explained, unexplained = [], []
        for k in sorted(set(flagged) | overdue):
            if k in flagged and k in overdue:
                continue
            case = open_cases.get(k)
            why = explain(case, k in flagged, ref, n, wd) if case else None
            if case is None:
                why = None
                what = "flagged by the validator, but driftwatch holds no open case"
            elif k in flagged:
                what = f"flagged by the validator; driftwatch: {case['status']}, due {case['due']}"
            else:
                what = f"overdue in driftwatch (due {case['due']}), not flagged"
            (explained if why else unexplained).append((k, what, why))
        children_v = sorted({k[0] for k in flagged})
        children_d = sorted({k[0] for k in overdue})
        print(
            f"  {code} / {indicator}: validator flags {len(flagged)} blocks of "
            f"{len(children_v)} children; driftwatch: {len(open_cases)} open at the reference "
            f"date, {len(overdue)} overdue ({len(children_d)} children); "
            f"{len(explained)} explained differences, {len(unexplained)} unexplained"
        )
        for (child, start), what, (category, why) in explained:
            print(f"    explained: {child} started {start}: {what}: {why}")
            categories.append((code, child, category))
        for (child, start), what, _ in unexplained:
            print(f"    UNEXPLAINED: {child} started {start}: {what}", file=sys.stderr)
        problems += len(unexplained)
        compared += len(set(flagged) | overdue)
    return problems, compared, categories


def export(base, key, ref, out):
    """A CIN census of the authority's records as they stood at `ref` (its ReferenceDate):
    referrals received by then, their assessments and Section 47 enquiries started by then,
    with authorisations and initial conferences after it left out (still open at the census).
    Children are named by their driftwatch ids (pseudonymous, as LAchildID); birth dates are the
    first of the birth month, the only date driftwatch holds."""
    children = {c["id"]: c for c in ndjson(base, key, "/v1/children")}
    referrals = {r["id"]: r for r in ndjson(base, key, "/v1/referrals")}
    discussions = {s["id"]: s for s in ndjson(base, key, "/v1/strategy-discussions")}
    first_icpc = {}
    for c in ndjson(base, key, "/v1/cp-conferences"):
        if c["kind"] == "initial" and c.get("s47_enquiry_id"):
            held = day(c["held_on"])
            e = c["s47_enquiry_id"]
            first_icpc[e] = min(held, first_icpc.get(e, held))
    details = {}  # (child, referral id or None) -> {"referral": date, "blocks": [...]}

    def block(child, referral_id, start, xml):
        r = referrals.get(referral_id)
        received = day(r["received_at"]) if r else None
        if received is None or received > ref:
            referral_id, received = None, start
        d = details.setdefault((child, referral_id), {"referral": received, "blocks": []})
        d["referral"] = min(d["referral"], received)
        d["blocks"].append(xml)

    def el(name, value):
        return f"<{name}>{value}</{name}>" if value is not None else ""

    for a in ndjson(base, key, "/v1/assessments"):
        start = day(a["started_on"])
        if start > ref:
            continue
        authorised = day(a.get("authorised_on"))
        authorised = authorised if authorised and authorised <= ref else None
        block(
            a["child_id"],
            a.get("referral_id"),
            start,
            "<Assessments>" + el("AssessmentActualStartDate", start)
            + el("AssessmentAuthorisationDate", authorised) + "</Assessments>",
        )
    for e in ndjson(base, key, "/v1/section47-enquiries"):
        sd = discussions.get(e.get("strategy_discussion_id"))
        # driftwatch's icpc-timeliness clock: the strategy discussion that started the enquiry,
        # else the enquiry's own start (S47ActualStartDate, docs/INDICATORS.md §4).
        start = day(sd["held_at"]) if sd and sd.get("held_at") else day(e["started_on"])
        if start is None or start > ref:
            continue
        icpc = first_icpc.get(e["id"])
        # Not required only when the record says so and no initial conference was held (a
        # conference makes it an icpc-timeliness case whatever the flag).
        not_required = "true" if e.get("icpc_required") is False and icpc is None else "false"
        held = icpc if icpc and icpc <= ref else None
        block(
            e["child_id"],
            sd.get("referral_id") if sd else None,
            start,
            "<Section47>" + el("S47ActualStartDate", start) + el("DateOfInitialCPC", held)
            + el("ICPCnotRequired", not_required) + "</Section47>",
        )
    by_child = {}
    for (child, _), d in sorted(details.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        by_child.setdefault(child, []).append(
            f"<CINdetails><CINreferralDate>{d['referral']}</CINreferralDate>"
            + "".join(d["blocks"]) + "</CINdetails>"
        )
    parts = []
    for child, blocks in sorted(by_child.items()):
        c = children.get(child, {})
        born = f"{c['birth_month']}-01" if c.get("birth_month") else None
        parts.append(
            f"<Child><ChildIdentifiers><LAchildID>{child}</LAchildID>"
            + el("PersonBirthDate", born) + "</ChildIdentifiers>"
            + "<ChildCharacteristics>" + el("Ethnicity", c.get("ethnicity"))
            + "</ChildCharacteristics>" + "".join(blocks) + "</Child>"
        )
    with open(out, "w") as f:
        f.write(
            "<Message><Header><CollectionDetails><Collection>CIN</Collection>"
            f"<Year>{ref.year}</Year><ReferenceDate>{ref}</ReferenceDate></CollectionDetails>"
            "</Header><Children>" + "".join(parts) + "</Children></Message>"
        )
    return len(parts)


def put(base, key, path, body):
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="PUT",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as res:
        res.read()


# The probe: cases written through the API so that each known difference happens once, worked
# by hand (working days after the start, up to and including the reference date, with the
# England & Wales bank holidays), and the category `explain` must give it. Exported and compared
# like the demo; any other difference, or a missing one, fails.
#   child: (referral received, assessment start | None, S47 start | None, ICPC not required)
PROBE = {
    # 2025-03-31 (a Monday): Jan 28-31 (4) + Feb 20 + Mar 21 = 45: due on the reference date;
    # the validator flags it, driftwatch: open. -> due_day (8670Q)
    "p1": ("2025-01-20", "2025-01-27", None, None),
    # Jan 27-31 (5) + 41 = 46: due Fri 28 March, overdue; flagged: agree.
    "p2": ("2025-01-20", "2025-01-24", None, None),
    # Jan 29-31 (3) + 41 = 44: neither.
    "p3": ("2025-01-20", "2025-01-28", None, None),
    # S47 Mon 10 March 2025: 11-14 (4) + 10 + 31 March = 15: due on the reference date, no
    # conference. -> due_day (8675Q)
    "p4": ("2025-03-03", None, "2025-03-10", None),
    # S47 long ago, conference not required and none held: no driftwatch case, ICPCnotRequired
    # true for the validator: neither.
    "p5": ("2025-01-02", None, "2025-01-06", False),
    # 2024-03-31 (a Sunday; Good Friday 29 March, Easter Monday 1 April). From Fri 26 January
    # 2024: 29-31 Jan (3) + Feb 21 + Mar 20 = 44: due Tue 2 April, open; the validator flags
    # from the 44th working day on a weekend reference date. -> weekend (8670Q)
    "p6": ("2024-01-22", "2024-01-26", None, None),
    # 2029-04-30 (a Monday): Good Friday 30 March and Easter Monday 2 April 2029 are not in the
    # validator's table (2022-2027). From Mon 26 Feb 2029: Feb 27-28 (2) + Mar 21 (30 March a
    # holiday) + Apr 20 (2 April a holiday) = 43: due Wed 2 May, open; without the two holidays
    # 45, so the validator's threshold (27 Feb) flags it. -> holidays (8670Q)
    "p7": ("2029-02-20", "2029-02-26", None, None),
}
PROBE_EXPECTED = {
    "2025-03-31": [("8670Q", "p1", "due_day"), ("8675Q", "p4", "due_day")],
    "2024-03-31": [("8670Q", "p6", "weekend")],
    "2029-04-30": [("8670Q", "p7", "holidays")],
}


def probe(base, la, key):
    for child, (received, assessment, s47, required) in PROBE.items():
        put(base, key, f"/v1/children/{child}", {"birth_month": "2015-06"})
        put(base, key, f"/v1/referrals/{child}-r", {"child_id": child, "received_at": received})
        if assessment:
            put(base, key, f"/v1/assessments/{child}-a",
                {"child_id": child, "referral_id": f"{child}-r", "started_on": assessment})
        if s47:
            body = {"child_id": child, "started_on": s47}
            if required is not None:
                body["icpc_required"] = required
            put(base, key, f"/v1/section47-enquiries/{child}-s", body)
    problems = 0
    for ref, expected in PROBE_EXPECTED.items():
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "probe.xml")
            export(base, key, dt.date.fromisoformat(ref), out)
            bad, _, got = compare(f"probe ({la})", base, key, out)
        problems += bad
        if sorted(got) != sorted(expected):
            print(f"PROBE {ref}: explained {sorted(got)}, expected {sorted(expected)}", file=sys.stderr)
            problems += 1
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--file", nargs=4, action="append", default=[],
                   metavar=("LA", "KEY", "FILE", "REPORT"),
                   help="a CIN census file imported into LA, and the import's JSON report")
    p.add_argument("--export", nargs=3, action="append", default=[],
                   metavar=("LA", "KEY", "REFERENCE_DATES"),
                   help="export LA's records as a CIN census at each (comma-separated) date")
    p.add_argument("--probe", nargs=2, action="append", default=[], metavar=("LA", "KEY"),
                   help="write the probe cases into LA (a key with write) and check each difference")
    args = p.parse_args()
    problems = 0
    for la, key, path, report in args.file:
        rep = json.load(open(report))
        rejected = rep.get("total", {}).get("rejected", 0)
        problems += compare(f"{os.path.basename(path)} (imported as {la})", args.base, key, path, rejected)[0]
    for la, key in args.probe:
        problems += probe(args.base, la, key)
    for la, key, refs in args.export:
        exercised = 0
        for ref in refs.split(","):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, f"{la}-cin-census.xml")
                n = export(args.base, key, dt.date.fromisoformat(ref), out)
                bad, compared, _ = compare(f"{la}'s records exported as a CIN census ({n} children)",
                                        args.base, key, out)
                problems += bad
                exercised += compared
        # The fake files flag nothing; the export must give the rules something to flag, or the
        # comparison proves nothing.
        if exercised == 0:
            print(f"UNEXERCISED: no export of {la} has a block the validator flags or driftwatch "
                  "calls overdue", file=sys.stderr)
            problems += 1
    print("comparison " + ("FAILED" if problems else "passed: every difference explained"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
