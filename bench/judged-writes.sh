#!/usr/bin/env bash
# The write cost of keeping the judged-case store (issue 14): the same writes through the API with
# the store off (DRIFTWATCH_JUDGED_STORE=0, the default) and on (=1: statement triggers note what a
# write touched, and the write's transaction recomputes it), medians of $RUNS, one authority:
#   - a record PUT (one missing episode, its return moved by a minute and back: each PUT changes
#     the row, so the store recomputes the child's cases of every stored indicator);
#   - an import batch: $BATCH of the authority's missing episodes (moved by a minute and back)
#     through POST /v1/imports, all-or-nothing (one transaction; the store recomputes their
#     children set-based, once per batch);
#   - a local standard changed (rhi-timeliness 48 h <-> 60 h: the authority's rhi-timeliness
#     cases recomputed) and a closure day added and removed (every stored indicator of the
#     authority recomputed: the dearest write there is).
# Then, with WITH_INGEST=1, `bench/ingest.sh` either way (bulk import against raw COPY).
#
#   bench/judged.sh --writes                 # same as bench/judged-writes.sh
#   bench/judged-writes.sh                   # a throwaway cluster (bench/.data/judged-writes-pg)
#                                            # with one demo authority of $CHILDREN children
#   DATASET=national bench/judged-writes.sh  # the dataset of bench/run (PREPARE_ONLY=1 bench/run),
#                                            # its largest authority
#   PROFILE=debug RUNS=9 CHILDREN=1000 bench/judged-writes.sh   # a quick look (debug binary)
#
# Writes a Markdown table to bench/results/judged-writes-<date>.md. Needs curl, python3, psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh

RUNS="${RUNS:-15}"
BATCH="${BATCH:-2000}"
CHILDREN="${CHILDREN:-3300}"
DATASET="${DATASET:-demo}"
PROFILE="${PROFILE:-release}"
data="$PWD/bench/.data"
mkdir -p "$data" bench/results

server_pid=""; cluster=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ -n "$cluster" ]; then pg_stop_cluster "$cluster"; fi
}
trap cleanup EXIT
pg_find_binaries || pg_ensure_binaries
psql="$PG_BIN/psql"

if [ "$PROFILE" = release ]; then cargo build --release -q; else cargo build -q; fi
bin="$PWD/target/$PROFILE/driftwatch"

if [ "$DATASET" = national ]; then
  [ -d "$data/pg" ] || { echo "no dataset: run PREPARE_ONLY=1 bench/run first" >&2; exit 1; }
  PG_PORT_FROM=54900 pg_start_cluster "$data/pg"; cluster="$data/pg"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/driftwatch"
  "$bin" migrate 2>&1 | tail -1
else
  cluster="$data/judged-writes-pg"
  PG_PORT_FROM=54960 pg_start_cluster "$cluster"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/judged_writes"
  admin="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  if ! "$psql" -Atq "$admin" -c "SELECT 1 FROM pg_database WHERE datname = 'judged_writes'" | grep -q 1; then
    "$psql" -Atq "$admin" -c "CREATE DATABASE judged_writes" >/dev/null
    "$bin" migrate >/dev/null 2>&1
    pg_log "generating one demo authority of $CHILDREN children (kept in $cluster)"
    "$bin" demo-data --la L001 --children-per-la "$CHILDREN" --years 2 --seed 2026 --end 2026-11-26 >/dev/null
  else
    "$bin" migrate >/dev/null 2>&1
  fi
fi
la=$("$psql" -Atq "$DATABASE_URL" -c "SELECT la_code FROM missing_episodes GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
key=$("$bin" keys create --la "$la" --scopes read,write --name bench-judged-writes 2>/dev/null)
id=$("$psql" -Atq "$DATABASE_URL" -c "SELECT id FROM missing_episodes WHERE la_code = '$la' AND returned_at IS NOT NULL ORDER BY id LIMIT 1")

start_server() { # judged_store (0|1); =1 installs the triggers and backfills before it is ready
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  port=$(pg_free_port 18300)
  DRIFTWATCH_JUDGED_STORE="$1" DRIFTWATCH_BIND="127.0.0.1:$port" DRIFTWATCH_WORKERS=2 \
    DRIFTWATCH_RATE_LIMIT_PER_MINUTE=0 DRIFTWATCH_STATEMENT_TIMEOUT_MS=600000 RUST_LOG=warn \
    "$bin" serve >"$data/server-judged-writes.log" 2>&1 &
  server_pid=$!
  api="http://127.0.0.1:$port"
  for _ in $(seq 1 18000); do curl -sf "$api/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server did not start" >&2; cat "$data/server-judged-writes.log" >&2; exit 1
}

# Two versions of a body (NDJSON lines or one object): every returned_at moved by +1 minute
# in the second, so alternating them changes every row each time.
shift_minute() { # in-file out-file
  python3 - "$1" "$2" <<'PY'
import datetime, json, sys
def move(v):
    t = v.get("returned_at")
    if isinstance(t, str) and len(t) > 10:
        d = datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) + datetime.timedelta(minutes=1)
        v["returned_at"] = d.isoformat().replace("+00:00", "Z")
    return v
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as o:
    for line in f:
        if line.strip():
            o.write(json.dumps(move(json.loads(line))) + "\n")
PY
}

median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}'; }
timed() { # method url content-type body-file -> seconds (fails on a non-2xx)
  curl -sf -o /dev/null -w '%{time_total}\n' -X "$1" -H "Authorization: Bearer $key" \
    -H "Content-Type: $3" --data-binary "@$4" "$2"
}

out="bench/results/judged-writes-$(date +%F).md"
declare -A res
for mode in 0 1; do
  start_server "$mode"
  curl -sf -H "Authorization: Bearer $key" "$api/v1/missing-episodes/$id" >"$data/jw-put-a.json"
  shift_minute "$data/jw-put-a.json" "$data/jw-put-b.json"
  curl -sf -H "Authorization: Bearer $key" "$api/v1/missing-episodes?format=ndjson" >"$data/jw-all.ndjson"
  head -n "$BATCH" "$data/jw-all.ndjson" >"$data/jw-batch-a.ndjson"
  shift_minute "$data/jw-batch-a.ndjson" "$data/jw-batch-b.ndjson"
  echo '{"limit": {"value": 48, "unit": "hours"}}' >"$data/jw-std-a.json"
  echo '{"limit": {"value": 60, "unit": "hours"}}' >"$data/jw-std-b.json"
  echo '{"name": "bench closure"}' >"$data/jw-closure.json"
  res[put$mode]=$(for i in $(seq 1 "$RUNS"); do
    v=$([ $((i % 2)) -eq 1 ] && echo b || echo a)
    timed PUT "$api/v1/missing-episodes/$id" application/json "$data/jw-put-$v.json"
  done | median)
  res[imp$mode]=$(for i in $(seq 1 "$RUNS"); do
    v=$([ $((i % 2)) -eq 1 ] && echo b || echo a)
    timed POST "$api/v1/imports?type=missing-episodes" application/x-ndjson "$data/jw-batch-$v.ndjson"
  done | median)
  res[std$mode]=$(for i in $(seq 1 "$RUNS"); do
    v=$([ $((i % 2)) -eq 1 ] && echo a || echo b)
    timed PUT "$api/v1/standards/rhi-timeliness" application/json "$data/jw-std-$v.json"
  done | median)
  res[clo$mode]=$(for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) -eq 1 ]; then
      timed PUT "$api/v1/calendar/closures/2026-03-03" application/json "$data/jw-closure.json"
    else
      curl -sf -o /dev/null -w '%{time_total}\n' -X DELETE -H "Authorization: Bearer $key" \
        "$api/v1/calendar/closures/2026-03-03"
    fi
  done | median)
  # Leave the data as found: the standard removed, the episodes as they were.
  curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $key" "$api/v1/standards/rhi-timeliness" || true
  timed PUT "$api/v1/missing-episodes/$id" application/json "$data/jw-put-a.json" >/dev/null
  timed POST "$api/v1/imports?type=missing-episodes" application/x-ndjson "$data/jw-batch-a.ndjson" >/dev/null
done
"$bin" store verify --la "$la"
rows=$(wc -l <"$data/jw-batch-a.ndjson")
{
  echo "Write cost of the judged-case store, authority $la ($("$psql" -Atq "$DATABASE_URL" -c "SELECT count(*) FROM children WHERE la_code = '$la'") children), $PROFILE build, medians of $RUNS (ms):"
  echo
  echo "| write | store off | store on |"
  echo "|---|---:|---:|"
  echo "| record PUT (one missing episode) | ${res[put0]} | ${res[put1]} |"
  echo "| import batch ($rows missing episodes, one transaction) | ${res[imp0]} | ${res[imp1]} |"
  echo "| local standard changed (rhi-timeliness) | ${res[std0]} | ${res[std1]} |"
  echo "| closure day added or removed (every stored indicator) | ${res[clo0]} | ${res[clo1]} |"
} >"$out"
cat "$out"

# With the store on, ingest.sh's own COPY and emptying (psql, as the owner) fire the
# write-tracking triggers too: compare the API's rows/s with the store on against the COPY of
# the run with it off.
if [ "${WITH_INGEST:-0}" = 1 ]; then
  kill "$server_pid" 2>/dev/null || true; server_pid=""
  for mode in 0 1; do
    echo; echo "bench/ingest.sh with DRIFTWATCH_JUDGED_STORE=$mode:"
    DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres" DRIFTWATCH_JUDGED_STORE=$mode \
      bench/ingest.sh "${INGEST_ROWS:-200000}" "${INGEST_RUNS:-3}" | tee -a "$out"
  done
  echo "(the store's import goal: the API with the store on at >= 50% of the COPY with it off)" | tee -a "$out"
fi
