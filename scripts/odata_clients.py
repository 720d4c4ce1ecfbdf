"""Real OData v4 and Excel clients against a live driftwatch (run by scripts/odata-clients).

python-odata reflects $metadata into classes, lists and pages an entity set to the end
(following @odata.nextLink), filters it, and each row equals the /v1 JSON; openpyxl reads an
xlsx workbook back. It also orders ($orderby desc on the keyset columns), skips and filters
(period, team and status, with or), each row equal to /v1's and every page full but the last.
BASE_URL and DRIFTWATCH_KEY come from the environment."""
import io
import os
import sys

import openpyxl
import requests
from odata import ODataService
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.util.retry import Retry

base = os.environ["BASE_URL"]
key = os.environ["DRIFTWATCH_KEY"]
session = requests.Session()
session.auth = HTTPBasicAuth("powerbi", key)  # Basic, the key as the password
# The feed is rate-limited per key as /v1 (600 a minute, bursts of 100): this script reads
# several hundred pages, so it waits as a 429's Retry-After says, as a BI client's refresh would.
retry = Retry(total=20, status_forcelist=[429], allowed_methods=["GET"],
              respect_retry_after_header=True)
session.mount(base, HTTPAdapter(max_retries=retry))
api = requests.Session()  # /v1, with a Bearer key
api.headers["Authorization"] = "Bearer " + key
api.mount(base, HTTPAdapter(max_retries=retry))
session.headers["Prefer"] = "odata.maxpagesize=25"  # several pages

svc = ODataService(base + "/odata/v4/", session=session, reflect_entities=True)
Cases = svc.entities["rhi_timeliness_cases"]
rows = list(svc.query(Cases))
v1 = api.get(base + "/v1/indicators/rhi-timeliness/cases", params={"limit": 1000},
                  headers={"Authorization": "Bearer " + key}).json()["data"]
assert len(rows) == len(v1) and len(v1) > 25, (len(rows), len(v1))
for r, j in zip(rows, v1):
    assert r.case_id == j["case_id"], (r.case_id, j["case_id"])
    assert r.status == j["status"] and r.team == j["team"] and r.child_id == j["child_id"]
    assert str(r.start) == j["start"][:10]
met = list(svc.query(Cases).filter(Cases.status == "met"))
assert [r.case_id for r in met] == [j["case_id"] for j in v1 if j["status"] == "met"]
print(f"python-odata: {len(rows)} cases in pages of 25, {len(met)} met, equal to /v1")


def same(r, j):
    """An entity (python-odata's object) equals the /v1 row: the columns and the dates' days."""
    assert r.case_id == j["case_id"], (r.case_id, j["case_id"])
    assert (r.status, r.team, r.child_id) == (j["status"], j["team"], j["child_id"]), j["case_id"]
    for col in ("start", "due", "end"):
        want = j[col][:10] if j[col] is not None else None
        got = getattr(r, col)
        assert (str(got) if got is not None else None) == want, (j["case_id"], col, got, want)


# $orderby desc on the keyset date (python-odata follows every next link): the /v1 rows by due
# day, latest first; cases due the same day stay in the /v1 order (by case id). Python's sort
# is stable, also with reverse=True.
desc = list(svc.query(Cases).order_by(Cases.due.desc()))
want = sorted(v1, key=lambda j: j["due"][:10], reverse=True)
assert len(desc) == len(want)
for r, j in zip(desc, want):
    same(r, j)
# case_id desc is case_id asc reversed, and the same cases as /v1.
down = [r.case_id for r in svc.query(Cases).order_by(Cases.case_id.desc())]
up = [r.case_id for r in svc.query(Cases).order_by(Cases.case_id.asc())]
assert down == up[::-1] and sorted(up) == sorted(j["case_id"] for j in v1), "case_id order"
# $skip within the order, then the next links: /v1's rows from the 30th on.
skipped = list(svc.query(Cases).offset(30))
assert [r.case_id for r in skipped] == [j["case_id"] for j in v1[30:]], "$skip"
print("python-odata: $orderby due desc, case_id asc/desc and $skip 30 equal to /v1")

# Filters on the period (due dates), team and status, with `or`, which the database applies:
# python-odata's own comparisons for the text columns, the date window as OData text (the
# client reflects Edm.Date as a string and would quote it). Expected: the /v1 rows that match,
# in the /v1 order; and the same query through /v1 where /v1 has the parameters.
team = next(j["team"] for j in v1 if j["team"])
days = sorted(j["due"][:10] for j in v1)
lo, hi = days[len(days) // 4], days[3 * len(days) // 4]
if lo == hi:
    hi = "9999-12-31"
q = (svc.query(Cases)
     .filter((Cases.status == "overdue") | (Cases.team == team))
     .filter(f"due ge {lo} and due lt {hi}"))
got = list(q)
want = [j for j in v1 if (j["status"] == "overdue" or j["team"] == team) and lo <= j["due"][:10] < hi]
assert len(got) == len(want) and want, (len(got), len(want))
for r, j in zip(got, want):
    same(r, j)
both = list(svc.query(Cases).filter(Cases.status == "overdue").filter(Cases.team == team))
v1_both = api.get(base + "/v1/indicators/rhi-timeliness/cases",
                       params={"limit": 1000, "status": "overdue", "team": team},
                       headers={"Authorization": "Bearer " + key}).json()["data"]
assert len(both) == len(v1_both)
for r, j in zip(both, v1_both):
    same(r, j)
# Every page of a filtered list is full but the last (pages of 5 of a rare filter), read here
# page by page with the same Basic credentials.
quoted = team.replace("'", "''")
flt = f"team ne '{quoted}' and status ne 'met'"
rare = [j for j in v1 if j["team"] != team and j["status"] != "met"]
assert rare, "the demo has cases of other teams not met"
url, params, sizes, ids = base + "/odata/v4/rhi_timeliness_cases", {"$filter": flt}, [], []
while url:
    res = session.get(url, params=params, headers={"Prefer": "odata.maxpagesize=5"})
    assert res.status_code == 200, (res.status_code, res.text[:300])
    page = res.json()
    sizes.append(len(page["value"]))
    ids += [e["case_id"] for e in page["value"]]
    url, params = page.get("@odata.nextLink"), None
assert ids == [j["case_id"] for j in rare], "filtered pages"
assert all(n == 5 for n in sizes[:-1]) and (sizes[-1] > 0 or len(sizes) == 1), sizes
print(f"python-odata: filters (or, dates, team, status) equal to /v1: {len(got)}, {len(both)} and "
      f"{len(rare)} cases, pages full but the last")

res = api.get(base + "/v1/scorecard", params={"format": "xlsx"},
                   headers={"Authorization": "Bearer " + key})
assert res.status_code == 200, res.status_code
wb = openpyxl.load_workbook(io.BytesIO(res.content))
sc = api.get(base + "/v1/scorecard", headers={"Authorization": "Bearer " + key}).json()["data"]
ids = sorted({r["indicator_id"] for r in sc})
assert wb.sheetnames[0] == "overview" and len(wb.sheetnames) == 1 + len(ids), wb.sheetnames
ws = wb[wb.sheetnames[1]]
assert ws.freeze_panes == "A2" and len(ws.tables) == 1
header = [c.value for c in ws[1]]
first = dict(zip(header, [c.value for c in ws[2]]))
want = next(r for r in sc if r["indicator_id"] == first["indicator_id"])
assert first["period_start"].date().isoformat() == want["period_start"]
assert first["denominator"] == want["denominator"]
print(f"openpyxl: {len(wb.sheetnames)} sheets, typed cells, frozen header, a table")
sys.exit(0)
