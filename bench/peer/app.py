"""A small FastAPI + SQLAlchemy service of the kind a data team would write: the
rhi-timeliness monthly summary for one authority, from driftwatch's own tables, with the same
figures (it runs bench/sql/rhi_monthly.sql). The benchmark's point of comparison.

Run: DATABASE_URL=postgresql+psycopg://... uvicorn app:app --workers 2 --port 8090
GET /summary?la=L001&from=2025-12-01&to=2026-11-30&as_of=2026-11-30
"""
import os
import pathlib
import re

from fastapi import FastAPI, HTTPException, Query
from sqlalchemy import create_engine, text

SQL_FILE = pathlib.Path(__file__).resolve().parent.parent / "sql" / "rhi_monthly.sql"
# psql variables (:'name') become SQLAlchemy bind parameters (:name); `::date` after a bind
# would confuse SQLAlchemy's parser, so those become CAST(... AS date).
_sql = re.sub(r":'(\w+)'::date", r"CAST(:\1 AS date)", SQL_FILE.read_text())
SQL = text(re.sub(r":'(\w+)'", r":\1", _sql).rstrip().rstrip(";"))

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size=int(os.environ.get("PEER_POOL_SIZE", "8")),
    connect_args={"options": "-c TimeZone=Europe/London -c jit=off"},
)
app = FastAPI(title="rhi summary peer")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@app.get("/summary")
def rhi_summary(la: str, to: str, as_of: str, start: str = Query(alias="from")):
    for name, value in (("from", start), ("to", to), ("as_of", as_of)):
        if not DATE.match(value):
            raise HTTPException(422, f"{name} must be YYYY-MM-DD")
    with engine.connect() as conn:
        rows = conn.execute(SQL, {"la": la, "from": start, "to": to, "as_of": as_of}).mappings().all()
    out = []
    for r in rows:
        den, num = r["denominator"], r["numerator"]
        out.append({
            "indicator_id": "rhi-timeliness",
            "la_code": la,
            "period": r["ps"].strftime("%Y-%m"),
            "period_start": r["ps"].isoformat(),
            "period_end": r["pe"].isoformat(),
            "denominator": den,
            "numerator": num,
            "value": round(100.0 * num / den, 1) if den else None,
            "value_unit": "percent",
            "median_elapsed": None if r["median_elapsed"] is None else round(r["median_elapsed"], 1),
            "p90_elapsed": None if r["p90_elapsed"] is None else round(r["p90_elapsed"], 1),
            "elapsed_unit": "hours",
            "open_at_period_end": r["open_at_period_end"],
            "overdue_at_period_end": r["overdue_at_period_end"],
            "not_applicable": r["not_applicable"],
        })
    return {"data": out}
