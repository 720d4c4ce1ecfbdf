"""Run the DfE CIN census validator (csc-validator-be-cin) on CIN census XML files and print, as
JSON, per file and per requested rule, the children it flags and the rows and dates behind each
flag. The oracle side of issue 13's comparison with driftwatch's missed cases; see
docs/dfe-validator.md. Run it through scripts/dfe-cin-validator, which installs the pinned
validator into a venv:

    scripts/dfe-cin-validator [--rules 8670Q,8675Q] [--ruleset cin2024_25] FILE.xml...
    scripts/dfe-cin-validator --self-check

Output: {"validator": "...", "files": [{"file", "reference_date", "ruleset", "rules": {CODE:
{"message", "children": [sorted LAchildIDs], "rows": [{"table", "row", "child_id", FIELD: value,
...}]}}}]}. "row" is the 0-based position of the block in the validator's table (document order).
"""

import argparse
import copy
import csv
import datetime as dt
import importlib
import json
import os
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET
from importlib import metadata

import pandas as pd
from cin_validator import cin_validator
from cin_validator.england_holidates import england_holidates

# pandas 1.5 FutureWarnings from inside the validator's rules, one per rule run
warnings.filterwarnings("ignore", category=FutureWarning)

DEFAULT_RULES = ["8670Q", "8675Q"]
# Identifiers other than LAchildID are never printed, whichever rule flags them.
WITHHELD = {"UPN", "FormerUPN"}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOLIDAYS_CSV = os.path.join(ROOT, "crates", "domain", "data", "bank-holidays-england-wales.csv")


def rulesets():
    """The validator's rule packs, oldest first (cin2022_23, ...)."""
    folder = os.path.dirname(importlib.import_module("cin_validator.rules").__file__)
    return sorted(n for n in os.listdir(folder) if n.startswith("cin20"))


def ruleset_for(reference_date):
    """The pack of the collection whose census year ends on reference_date (31 March YYYY ->
    cin{YYYY-1}_{YY}), or the nearest pack the validator has."""
    packs = rulesets()
    year = reference_date.year
    name = f"cin{year - 1}_{year % 100:02d}"
    if name in packs:
        return name
    return packs[0] if name < packs[0] else packs[-1]


def iso(value):
    """A cell as JSON: dates as YYYY-MM-DD, missing (None, NA, NaT) as null."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def check_file(path, rules, ruleset=None):
    """Validate one file with the given rule codes; the validator's own ingest and engine."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise SystemExit(f"{path}: {e}")
    tables = cin_validator.process_data(cin_validator.convert_data(root))
    header = tables["Header"]["ReferenceDate"].dropna()
    if header.empty:
        raise SystemExit(f"{path}: no Header/CollectionDetails/ReferenceDate")
    reference = header.iloc[0]
    ruleset = ruleset or ruleset_for(reference)
    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    if rules == ["all"]:
        rules = sorted(str(code) for code, _ in registry.items())
    unknown = [r for r in rules if registry.get(r) is None]
    if unknown:
        raise SystemExit(f"{path}: rules not in {ruleset}: {', '.join(unknown)}")
    data = copy.deepcopy(tables)  # the validator's report mutates its input
    issues = cin_validator.CinValidator(tables, registry, selected_rules=rules).full_issue_df
    out = {}
    for code in rules:
        rows = {}
        for _, issue in issues[issues["rule_code"] == code].iterrows():
            if pd.isna(issue["tables_affected"]) or pd.isna(issue["row_id"]):
                continue  # a return-level issue names no block or child
            table, row = issue["tables_affected"], int(issue["row_id"])
            entry = rows.setdefault(
                (table, row),
                {"table": table, "row": row, "child_id": str(issue["child_id"])},
            )
            column = issue["columns_affected"]
            value = data[table].iloc[row][column]
            entry[column] = "(withheld)" if column in WITHHELD else iso(value)
        flagged = sorted(rows.values(), key=lambda r: (r["child_id"], r["table"], r["row"]))
        out[code] = {
            "message": registry.get(code).message,
            "children": sorted({r["child_id"] for r in flagged}),
            "rows": flagged,
        }
    return {
        "file": path,
        "reference_date": iso(reference),
        "ruleset": ruleset,
        "rules": out,
    }


# --- self-check: hand-worked cases (docs/dfe-validator.md, "Worked examples") ---------------

# Two synthetic returns. Each child's comment gives the working days after the start date up to
# and including the reference date, counted by hand with the England & Wales bank holidays
# (2024-12-25, 2024-12-26, 2025-01-01, 2024-03-29 Good Friday, 2024-04-01 Easter Monday), and
# the expected verdict. The validator flags an open block when start < reference date minus
# CustomBusinessDay(n - 1) (utils.england_working_days), i.e. when the count below is >= n for a
# working-day reference date, and >= n - 1 for a weekend or holiday one.
#
# Return 1: ReferenceDate 2025-03-31, a Monday. Feb 2025 has 20 working days, March 2025 21
# (3-7, 10-14, 17-21, 24-28, 31), no holidays in either.
CASES_2025 = {
    "reference": "2025-03-31",
    # child: (assessment start, authorised, working days (start, ref], flagged by 8670Q?)
    "assessments": {
        # Jan 28-31 (4) + Feb 20 + Mar 21 = 45 >= 45: flagged. (driftwatch: due on the 45th
        # working day after the start = 31 Mar = the reference date, so not yet overdue.)
        "A1-due-on-ref": ("2025-01-27", None, 45, True),
        # Jan 29-31 (3) + 41 = 44: not flagged.
        "A2-one-short": ("2025-01-28", None, 44, False),
        # a Sunday start: Jan 27-31 (5) + 41 = 46: flagged.
        "A3-sunday-start": ("2025-01-26", None, 46, True),
        # over Christmas: Dec 27, 30, 31 (3; 25 and 26 are holidays) + Jan 2-3, 6-10, 13-17,
        # 20-24, 27-31 (22; 1 Jan a holiday) + 41 = 66: flagged.
        "A4-over-christmas": ("2024-12-24", None, 66, True),
        # Nov 2024 from the 4th: 20, Dec 2024: 20 (2-6, 9-13, 16-20, 23, 24, 27, 30, 31),
        # Jan 22, Feb 20, Mar 21 = 103: flagged.
        "A5-long-open": ("2024-11-01", None, 103, True),
        # authorised (even late): the rule only looks at assessments without an authorisation.
        "A6-authorised": ("2024-11-01", "2025-03-28", 103, False),
        # Mar 4-7, 10-14, 17-21, 24-28, 31 = 20: not flagged.
        "A7-recent": ("2025-03-03", None, 20, False),
        # no start date: NaT < date is false, never flagged.
        "A8-no-start": (None, None, None, False),
    },
    # child: (S47 start, ICPC date, ICPCnotRequired (None = element absent), count, flagged?)
    "section47": {
        # Mar 11-14 (4) + 10 + 31st = 15 >= 15: flagged.
        "S1-due-on-ref": ("2025-03-10", None, "false", 15, True),
        # Mar 12-14 (3) + 10 + 1 = 14: not flagged.
        "S2-one-short": ("2025-03-11", None, "false", 14, False),
        # "0" counts as false too. Jan 7-10 (4), 13-17, 20-24, 27-31 (15) + 20 + 21 = 60.
        "S3-zero": ("2025-01-06", None, "0", 60, True),
        # an ICPC held: not flagged however late.
        "S4-icpc-held": ("2025-01-06", "2025-03-01", "false", 60, False),
        # ICPC not required: not flagged.
        "S5-not-required": ("2025-01-06", None, "true", 60, False),
        # ICPCnotRequired absent: the rule needs "false"/"0", so not flagged (a quirk).
        "S6-flag-absent": ("2025-01-06", None, None, 60, False),
    },
}
# The self-check recounts every case from crates/domain/data/bank-holidays-england-wales.csv
# (without the validator) and fails on a wrong hand count.

# Return 2: ReferenceDate 2024-03-31, a Sunday, with Good Friday 29 March just before. Feb 2024
# has 21 working days, March 2024 up to the 31st 20 (1, 4-8, 11-15, 18-22, 25-28).
CASES_2024 = {
    "reference": "2024-03-31",
    "assessments": {
        # Jan 26 (1) + Jan 29-31 (3) + 21 + 20 = 45: flagged; driftwatch agrees (due Thu 28 Mar).
        "B1-overdue": ("2024-01-25", None, 45, True),
        # Jan 29-31 (3) + 21 + 20 = 44, below 45 but flagged: a weekend reference date makes the
        # validator's threshold 44 (reference minus 44 business days lands on Mon 29 Jan, and
        # the 26th is before it). driftwatch: due Tue 2 Apr 2024 (after Easter Monday), not
        # overdue on 31 March.
        "B2-weekend-ref": ("2024-01-26", None, 44, True),
        # 43: not flagged.
        "B3-not-yet": ("2024-01-29", None, 43, False),
    },
    "section47": {},
}


def working_days_after(start, end, holidays):
    """Working days after start up to and including end (driftwatch's count)."""
    day, n = start, 0
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            n += 1
    return n


def child_xml(child_id, assessment=None, s47=None):
    def el(name, value):
        return f"<{name}>{value}</{name}>" if value is not None else ""

    blocks = ""
    if assessment:
        blocks += (
            "<Assessments>"
            + el("AssessmentActualStartDate", assessment[0])
            + el("AssessmentAuthorisationDate", assessment[1])
            + "</Assessments>"
        )
    if s47:
        blocks += (
            "<Section47>"
            + el("S47ActualStartDate", s47[0])
            + el("DateOfInitialCPC", s47[1])
            + el("ICPCnotRequired", s47[2])
            + "</Section47>"
        )
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID></ChildIdentifiers>"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE"
        "</Disability></Disabilities></ChildCharacteristics>"
        f"<CINdetails><CINreferralDate>2024-01-01</CINreferralDate>{blocks}</CINdetails></Child>"
    )


def self_check():
    holidays = {
        dt.date.fromisoformat(r["day"]) for r in csv.DictReader(open(HOLIDAYS_CSV))
    }
    failures = []

    # 1. The validator's holiday table (england_holidates.py) against driftwatch's.
    theirs = set(england_holidates)
    years = sorted({d.year for d in theirs})
    ours = {d for d in holidays if years[0] <= d.year <= years[-1]}
    if theirs != ours:
        failures.append(
            f"holiday tables differ in {years[0]}-{years[-1]}: only validator "
            f"{sorted(theirs - ours)}, only driftwatch {sorted(ours - theirs)}"
        )
    print(
        f"validator holiday table: {len(theirs)} days, {min(theirs)} to {max(theirs)} "
        f"({'same as' if theirs == ours else 'DIFFERENT from'} driftwatch's for those years; "
        f"no bank holidays at all before {years[0]} or after {years[-1]})"
    )

    for cases in (CASES_2025, CASES_2024):
        ref = dt.date.fromisoformat(cases["reference"])
        children = [child_xml(c, assessment=a) for c, a in cases["assessments"].items()]
        children += [child_xml(c, s47=s) for c, s in cases["section47"].items()]
        xml = (
            "<Message><Header><CollectionDetails><Collection>CIN</Collection>"
            f"<Year>{ref.year}</Year><ReferenceDate>{ref}</ReferenceDate></CollectionDetails>"
            "</Header><Children>" + "".join(children) + "</Children></Message>"
        )
        # 2. The hand counts in the comments, recounted independently of the validator.
        for kind, idx in (("assessments", 0), ("section47", 0)):
            for child, case in cases[kind].items():
                start, count = case[idx], case[-2]
                if start is None:
                    continue
                got = working_days_after(dt.date.fromisoformat(start), ref, holidays)
                if got != count:
                    failures.append(f"{child}: hand count {count}, recount {got}")
        # 3. The validator's verdicts against the hand-worked ones.
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(xml)
        try:
            result = check_file(f.name, DEFAULT_RULES)
        finally:
            os.unlink(f.name)
        for code, kind in (("8670Q", "assessments"), ("8675Q", "section47")):
            expected = sorted(c for c, case in cases[kind].items() if case[-1])
            got = result["rules"][code]["children"]
            status = "ok" if got == expected else "MISMATCH"
            print(f"{ref} {code} ({result['ruleset']}): flagged {got} expected {expected} {status}")
            if got != expected:
                failures.append(f"{ref} {code}: validator {got}, hand-worked {expected}")
            # each flagged row carries the child and the start date it was flagged for
            start_field = "AssessmentActualStartDate" if code == "8670Q" else "S47ActualStartDate"
            for row in result["rules"][code]["rows"]:
                if row.get(start_field) != cases[kind][row["child_id"]][0]:
                    failures.append(f"{ref} {code}: row {row} does not carry its start date")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print("self-check " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="CIN census XML files")
    parser.add_argument("--rules", default=",".join(DEFAULT_RULES), help="comma-separated codes, or all")
    parser.add_argument("--ruleset", help="rule pack, e.g. cin2024_25 (default: from ReferenceDate)")
    parser.add_argument("--self-check", action="store_true", help="run the hand-worked cases")
    args = parser.parse_args()
    if args.self_check:
        return self_check()
    if not args.files:
        parser.error("give CIN census XML files, or --self-check")
    rules = [r.strip() for r in args.rules.split(",") if r.strip()]
    report = {
        "validator": f"csc-validator-be-cin {metadata.version('csc-validator-be-cin')}",
        "files": [check_file(p, rules, args.ruleset) for p in args.files],
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
