#!/usr/bin/env python3
"""Post every file of the hostile corpus (tests/hostile/gen.py) to a running `driftwatch serve`
and check that the service survives them (Python 3 standard library only).

    tests/hostile/run.py BASE_URL KEY CORPUS_DIR SERVER_PID MAX_RSS_MB

For each file: a 4xx problem+json (or a background import that ends `failed`), then /readyz
200. Then the worker-kill test: a valid census of 150,000 children sent in the background,
its import worker killed (SIGKILL) while it reads; the import must end `failed` saying the
reader was killed. At the end: record counts as before (nothing written) and the server's
peak resident memory (VmHWM) under MAX_RSS_MB. Exits non-zero on any failure.
"""

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

BASE, KEY, CORPUS, SERVER_PID, MAX_RSS_MB = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
TYPES = ["children", "referrals", "assessments", "cp-plans", "cla-periods", "placements", "missing-episodes"]
failures = []


def request(method, path, body=None, headers=None, timeout=300):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    req.add_header("Authorization", "Bearer " + KEY)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(path):
    status, _, body = request("GET", path)
    if status != 200:
        raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
    return json.loads(body)


def counts():
    out = {}
    for t in TYPES:
        n, path = 0, f"/v1/{t}?limit=1000"
        while path:
            page = get_json(path)
            n += len(page["data"])
            path = page["next"] and page["next"].replace(BASE, "")
        out[t] = n
    return out


def ready():
    try:
        with urllib.request.urlopen(BASE + "/readyz", timeout=10) as res:
            return res.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def finished(location):
    deadline = time.time() + 600
    while time.time() < deadline:
        info = get_json(location)
        if info["status"] in ("succeeded", "failed"):
            return info
        time.sleep(0.2)
    raise SystemExit(f"{location} did not finish")


def first_message(problem):
    errors = problem.get("errors") or []
    e = errors[0] if errors else {}
    where = ", ".join(f"{k} {e[k]}" for k in ("file", "line", "column") if e.get(k) is not None)
    return f"{problem.get('status')} {where}: {e.get('message', problem.get('detail', ''))}"[:220]


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def post(entry, extra_headers=None):
    data = open(os.path.join(CORPUS, entry["file"]), "rb").read()
    headers = {"Content-Type": entry["content_type"],
               "Content-Disposition": f'attachment; filename="{entry["file"]}"'}
    headers.update(extra_headers or {})
    return request("POST", "/v1/imports?" + entry["query"], data, headers)


def check(name, ok, detail):
    print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


def worker_pids():
    """Children of the server that are import workers."""
    pids = []
    for task in os.listdir(f"/proc/{SERVER_PID}/task"):
        try:
            kids = open(f"/proc/{SERVER_PID}/task/{task}/children").read().split()
        except OSError:
            continue
        for pid in kids:
            try:
                if b"import-worker" in open(f"/proc/{pid}/cmdline", "rb").read():
                    pids.append(int(pid))
            except OSError:
                pass
    return pids


def main():
    manifest = json.load(open(os.path.join(CORPUS, "manifest.json")))
    before = counts()
    print(f"records before: {before}")
    for entry in manifest:
        start = time.time()
        status, headers, body = post(entry)
        if status == 202:
            info = finished(headers["Location"])
            ok = info["status"] == "failed"
            detail = f"202, then {info['status']}: {first_message(info.get('problem') or {})}"
        else:
            ctype = headers.get("Content-Type", "")
            ok = 400 <= status < 500 and ctype.startswith("application/problem+json")
            try:
                detail = first_message(json.loads(body))
            except ValueError:
                detail = f"{status} {body[:100]!r}"
        detail += f" ({time.time() - start:.1f} s)"
        check(f"{entry['file']} ({entry['why']})", ok, detail)
        check("  /readyz after it", ready() == 200, "200" if ready() == 200 else "not ready")

    # The worker-kill test.
    entry = {"file": "kill-census.xml", "query": "format=cin-census&mode=partial",
             "content_type": "application/xml"}
    status, headers, body = post(entry, {"Prefer": "respond-async"})
    if status != 202:
        check("worker killed mid-import", False, f"{status} {body[:200]!r}")
    else:
        killed = None
        deadline = time.time() + 60
        while killed is None and time.time() < deadline:
            for pid in worker_pids():
                os.kill(pid, signal.SIGKILL)
                killed = pid
            time.sleep(0.02)
        info = finished(headers["Location"])
        message = first_message(info.get("problem") or {})
        check("worker killed mid-import", killed is not None and info["status"] == "failed"
              and "was killed" in message, f"worker {killed}, import {info['status']}: {message}")
        check("  /readyz after it", ready() == 200, str(ready()))

    after = counts()
    check("nothing written", after == before, f"records after: {after}")
    peak = vm_hwm_mb(SERVER_PID)
    check("server peak resident memory", peak < MAX_RSS_MB, f"VmHWM {peak:.0f} MB (bound {MAX_RSS_MB} MB)")
    if failures:
        print(f"{len(failures)} check(s) failed: {failures}")
        sys.exit(1)
    print(f"all {len(manifest)} hostile files refused; server peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
