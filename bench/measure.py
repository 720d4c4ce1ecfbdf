#!/usr/bin/env python3
"""Measure driftwatch against the same database's best hand-written SQL and a Python peer.

Run by bench/run (which sets everything up); prints a Markdown table and writes it to
bench/results/. Every figure is a median of repeated runs unless it says otherwise.
Environment: DATABASE_URL (owner), API (base URL), KEY_LA (read key of the largest authority),
LA (its code), KEY_NAT (read:national key), PEER (peer base URL), API_PID (server pid),
FROM, TO, AS_OF, RUNS.
"""
import http.client
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

import psycopg

HERE = pathlib.Path(__file__).resolve().parent
ENV = os.environ
RUNS = int(ENV.get("RUNS", "15"))
FROM, TO, AS_OF = ENV["FROM"], ENV["TO"], ENV["AS_OF"]
LA = ENV["LA"]
rows = []


def record(what, value, unit, goal="", note=""):
    rows.append((what, value, unit, goal, note))
    print(f"  {what}: {value} {unit} {note}", flush=True)


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 2)


class Client:
    """One keep-alive HTTP connection, like a BI tool's."""

    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def get(self, path, headers=None):
        # The server closes keep-alive connections idle for a few seconds (while the SQL is
        # timed): reconnect outside the timed section.
        try:
            self.conn.request("GET", "/healthz")
            self.conn.getresponse().read()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        t = time.perf_counter()
        self.conn.request("GET", path, headers=headers or {})
        res = self.conn.getresponse()
        body = res.read()
        return res.status, dict(res.getheaders()), body, time.perf_counter() - t


def sql_file(name, **params):
    text = (HERE / "sql" / name).read_text()
    # psql :'var' -> literal
    return re.sub(r":'(\w+)'", lambda m: "'" + params[m.group(1)] + "'", text)


def time_sql(conn, sql, runs):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()
        samples.append(time.perf_counter() - t)
    return samples


def main():
    api = Client(ENV["API"])
    auth = {"Authorization": f"Bearer {ENV['KEY_LA']}"}
    nat = {"Authorization": f"Bearer {ENV['KEY_NAT']}"}
    q = f"from={FROM}&to={TO}&as_of={AS_OF}"
    db = psycopg.connect(ENV["DATABASE_URL"], autocommit=True)
    db.execute("SET jit = off; SET TimeZone = 'Europe/London'")

    print("summary, one authority (rhi-timeliness, 12 months by month)", flush=True)
    path = f"/v1/indicators/rhi-timeliness/summary?{q}"
    s, _, body, _ = api.get(path, {**auth, "Cache-Control": "no-cache"})
    assert s == 200, body
    api_rows = json.loads(body)["data"]
    hand = sql_file("rhi_monthly.sql", la=LA, **{"from": FROM, "to": TO, "as_of": AS_OF})
    sql_rows = db.execute(hand).fetchall()
    # The same figures: denominators, numerators, snapshots per month.
    for a, r in zip(api_rows, sql_rows):
        assert (a["denominator"], a["numerator"], a["open_at_period_end"], a["overdue_at_period_end"], a["not_applicable"]) == (
            r[3], r[4], r[8], r[9], r[7]), (a, r)
    engine_sql = subprocess.run(
        [ENV["BIN"], "summary-sql", "--indicator", "rhi-timeliness", "--la", LA, "--from", FROM, "--to", TO, "--as-of", AS_OF],
        check=True, capture_output=True, text=True).stdout
    # Interleaved, so that whatever else the machine does weighs on the three alike.
    live, engine_t, hand_t = [], [], []
    for _ in range(RUNS):
        live.append(api.get(path, {**auth, "Cache-Control": "no-cache"})[3])
        engine_t += time_sql(db, engine_sql, 1)
        hand_t += time_sql(db, hand, 1)
    cached = [api.get(path, auth)[3] for _ in range(RUNS)]
    record("API, computed (Cache-Control: no-cache)", median_ms(live), "ms")
    record("the API's own engine SQL, in psycopg", median_ms(engine_t), "ms")
    record("best hand-written SQL, in psycopg", median_ms(hand_t), "ms")
    record("API overhead over its SQL", round(median_ms(live) - median_ms(engine_t), 2), "ms", "<= 1 ms")
    record("API over hand-written SQL", round(median_ms(live) - median_ms(hand_t), 2), "ms",
           "<= 1 ms", f"ratio {statistics.median(live) / statistics.median(hand_t):.2f}")
    record("API, repeated (served from the figures cache)", median_ms(cached), "ms")

    print("summary, every authority", flush=True)
    npath = f"/v1/national/indicators/rhi-timeliness/summary?{q}"
    t0 = time.perf_counter()
    s, _, body, cold = api.get(npath, {**nat, "Cache-Control": "no-cache"})
    assert s == 200, body
    n_rows = json.loads(body)["data"]
    warm = [api.get(npath, nat)[3] for _ in range(RUNS)]
    all_sql = sql_file("rhi_monthly_all.sql", **{"from": FROM, "to": TO, "as_of": AS_OF})
    all_t = time_sql(db, all_sql, 3)
    las = len({r["la_code"] for r in n_rows})
    record(f"API national, computed ({las} authorities, every one recomputed)", round(cold * 1000), "ms")
    record("API national, no change since (from the caches)", median_ms(warm), "ms", "<= 50 ms")
    record("hand-written SQL, all authorities in one statement", median_ms(all_t), "ms")
    # One authority changes: only it is recomputed.
    db.execute("UPDATE data_versions SET version = version + 1, changed_at = now() WHERE la_code = %s", (LA,))
    one = []
    for _ in range(5):
        db.execute("UPDATE data_versions SET version = version + 1, changed_at = now() WHERE la_code = %s", (LA,))
        one.append(api.get(npath, nat)[3])
    record("API national after a write in the largest authority", median_ms(one), "ms", "<= 50 ms")

    print("scorecard, one authority", flush=True)
    spath = f"/v1/scorecard?{q}"
    sc = [api.get(spath, {**auth, "Cache-Control": "no-cache"})[3] for _ in range(5)]
    s, _, body, _ = api.get(spath, auth)
    n_ind = len({r["indicator_id"] for r in json.loads(body)["data"]})
    record(f"scorecard, computed ({n_ind} indicators x 12 months)", median_ms(sc), "ms")
    sc_c = [api.get(spath, auth)[3] for _ in range(RUNS)]
    record("scorecard, repeated (cache)", median_ms(sc_c), "ms")

    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "measure.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
