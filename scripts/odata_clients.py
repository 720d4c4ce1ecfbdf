"""Real OData v4 and Excel clients against a live driftwatch (run by scripts/odata-clients).

python-odata reflects $metadata into classes, lists and pages an entity set to the end
(following @odata.nextLink), filters it, and each row equals the /v1 JSON; openpyxl reads an
xlsx workbook back. BASE_URL and DRIFTWATCH_KEY come from the environment."""
import io
import os
import sys

import openpyxl
import requests
from odata import ODataService
from requests.auth import HTTPBasicAuth

base = os.environ["BASE_URL"]
key = os.environ["DRIFTWATCH_KEY"]
session = requests.Session()
session.auth = HTTPBasicAuth("powerbi", key)  # Basic, the key as the password
session.headers["Prefer"] = "odata.maxpagesize=25"  # several pages

svc = ODataService(base + "/odata/v4/", session=session, reflect_entities=True)
Cases = svc.entities["rhi_timeliness_cases"]
rows = list(svc.query(Cases))
v1 = requests.get(base + "/v1/indicators/rhi-timeliness/cases", params={"limit": 1000},
                  headers={"Authorization": "Bearer " + key}).json()["data"]
assert len(rows) == len(v1) and len(v1) > 25, (len(rows), len(v1))
for r, j in zip(rows, v1):
    assert r.case_id == j["case_id"], (r.case_id, j["case_id"])
    assert r.status == j["status"] and r.team == j["team"] and r.child_id == j["child_id"]
    assert str(r.start) == j["start"][:10]
met = list(svc.query(Cases).filter(Cases.status == "met"))
assert [r.case_id for r in met] == [j["case_id"] for j in v1 if j["status"] == "met"]
print(f"python-odata: {len(rows)} cases in pages of 25, {len(met)} met, equal to /v1")

res = requests.get(base + "/v1/scorecard", params={"format": "xlsx"},
                   headers={"Authorization": "Bearer " + key})
assert res.status_code == 200, res.status_code
wb = openpyxl.load_workbook(io.BytesIO(res.content))
sc = requests.get(base + "/v1/scorecard", headers={"Authorization": "Bearer " + key}).json()["data"]
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
