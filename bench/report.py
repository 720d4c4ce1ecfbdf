#!/usr/bin/env python3
"""Assemble bench/run's figures into one Markdown table (stdout)."""
import datetime
import json
import os
import pathlib
import re

E = os.environ
data = pathlib.Path(E["DATA"])
here = pathlib.Path(__file__).resolve().parent
out = []
p = out.append

p(f"# Benchmark run, {datetime.date.today().isoformat()}")
p("")
p(f"Machine: {E['MACHINE']}. Dataset: {E['LAS']} authorities, {int(E['EPISODES']):,} missing episodes "
  f"({int(E['GEN_RECORDS']):,} records in all); largest authority {E['LA']}.")
gen_rate = int(E["GEN_RECORDS"]) / float(E["GEN_SECS"])
p(f"Generator: {int(E['GEN_RECORDS']):,} records in {float(E['GEN_SECS']):.0f} s "
  f"({gen_rate:,.0f} records/s; {E['GEN_NOTE']}).")
p("")
p("| figure | value | goal | note |")
p("|---|---|---|---|")
for what, value, unit, goal, note in json.loads((here / "results" / "measure.json").read_text()):
    p(f"| {what} | {value} {unit} | {goal} | {note} |")

wrk = [l.split("|") for l in (data / "wrk.txt").read_text().splitlines() if l]
rps = {name: float(r) for name, r, _, _ in wrk}
peer = next((v for k, v in rps.items() if k.startswith("peer")), None)
p("")
p("| wrk (2 threads, 8 connections) | requests/s | p99 | goal |")
p("|---|---|---|---|")
for name, r, p99, non2xx in wrk:
    goal = ""
    if "304" in name:
        goal = "p99 < 20 ms"
    if name.startswith("API summary (repeated") and peer:
        goal = f">= 5x peer: {float(r) / peer:.1f}x"
    if name.startswith("API summary, computed") and peer:
        goal = f"{float(r) / peer:.1f}x peer"
    extra = f" ({non2xx} non-2xx/3xx)" if non2xx not in ("0", "") else ""
    p(f"| {name} | {float(r):,.0f}{extra} | {p99} | {goal} |")

rows, size, secs, rss = (data / "export.txt").read_text().strip().split("|")
p("")
p(f"CSV export: {int(rows):,} case rows ({int(size) / 1e6:.0f} MB) in {float(secs):.1f} s = "
  f"{int(rows) / float(secs):,.0f} rows/s; server peak RSS {int(rss) / 1024:.0f} MB (goal < 150 MB).")

ing = data / "ingest.txt"
if ing.exists():
    text = ing.read_text()
    m = re.findall(r"^\|.*\|$", text, re.M)
    if m:
        p("")
        p("Bulk ingest (bench/ingest.sh 200000 3):")
        p("")
        p("\n".join(m))
print("\n".join(out))
