#!/usr/bin/env bash
# The judged-case store's figures (issue 14), before and after on the same machine and data:
# the API with the store off (DRIFTWATCH_JUDGED_STORE=0, the default: computed from the case
# sources) against on (=1: maintained by writes, backfilled at serve start, read), for one authority's 12-month summary, the scorecard, the national
# summary (all authorities) and the overdue worklist's first page (latency medians of $RUNS
# single requests, then wrk throughput), a record PUT either way (the store's write cost), the
# backfill at serve start and `driftwatch store verify` of the authority (non-zero on a difference).
#
# Needs the dataset of bench/run (run `PREPARE_ONLY=1 bench/run` first); run by the lead:
#   bench/judged.sh            # prints a table, also to bench/results/judged-<date>.md
#   bench/judged.sh --writes   # the write cost instead (bench/judged-writes.sh, on the same
#                              # dataset's largest authority; see that script for its settings)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--writes" ]; then
  DATASET="${DATASET:-national}" exec bench/judged-writes.sh
fi
. scripts/lib/pg.sh

END="${END:-2026-11-26}"
FROM="${FROM:-2025-12-01}"
RUNS="${RUNS:-15}"
WRK_SECONDS="${WRK_SECONDS:-10}"
data="$PWD/bench/.data"
[ -d "$data/pg" ] || { echo "no dataset: run PREPARE_ONLY=1 bench/run first" >&2; exit 1; }

server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  pg_stop_cluster "$data/pg"
}
trap cleanup EXIT
pg_ensure_binaries
PG_PORT_FROM=54900 pg_start_cluster "$data/pg"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/driftwatch"
cargo build --release -q
bin="$PWD/target/release/driftwatch"
"$bin" migrate 2>&1 | tail -3
la=$("$PG_BIN/psql" -Atq "$DATABASE_URL" -c "SELECT la_code FROM missing_episodes GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
key_la=$("$bin" keys create --la "$la" --scopes read,write --name bench-judged 2>/dev/null)
key_nat=$("$bin" keys create --la BENCH-NATIONAL --scopes read:national --name bench-judged-national 2>/dev/null)

start_server() { # judged_store (0|1); =1 backfills every authority before it is ready
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  port=$(pg_free_port 18200)
  DRIFTWATCH_JUDGED_STORE="$1" DRIFTWATCH_BIND="127.0.0.1:$port" DRIFTWATCH_WORKERS=2 \
    DRIFTWATCH_POOL_SIZE=16 DRIFTWATCH_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn \
    "$bin" serve >"$data/server-judged.log" 2>&1 &
  server_pid=$!
  api="http://127.0.0.1:$port"
  for _ in $(seq 1 18000); do curl -sf "$api/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server did not start" >&2; cat "$data/server-judged.log" >&2; exit 1
}

median_ms() { # url key
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $2" -H "Cache-Control: no-cache" "$1"
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}'
}
rps() { # url key
  wrk -t2 -c8 -d"${WRK_SECONDS}s" -H "Authorization: Bearer $2" -H "Cache-Control: no-cache" "$1" \
    | sed -n 's/^Requests\/sec: *//p'
}

q="from=$FROM&to=$END&as_of=$END"
out="bench/results/judged-$(date +%F).md"
mkdir -p bench/results
{
  echo "| figure (authority $la) | computed | from the store |"
  echo "|---|---|---|"
} > "$out"
declare -A res
id=$("$PG_BIN/psql" -Atq "$DATABASE_URL" -c "SELECT id FROM missing_episodes WHERE la_code = '$la' LIMIT 1")
for mode in 0 1; do
  t0=$(date +%s.%N)
  start_server "$mode"
  res[start$mode]=$(echo "$(date +%s.%N) - $t0" | bc)
  res[sum$mode]=$(median_ms "$api/v1/indicators/rhi-timeliness/summary?$q" "$key_la")
  res[card$mode]=$(median_ms "$api/v1/scorecard?$q" "$key_la")
  res[nat$mode]=$(median_ms "$api/v1/national/indicators/rhi-timeliness/summary?$q" "$key_nat")
  res[wl$mode]=$(median_ms "$api/v1/indicators/rhi-timeliness/cases?status=overdue&limit=100&as_of=$END" "$key_la")
  res[sumrps$mode]=$(rps "$api/v1/indicators/rhi-timeliness/summary?$q" "$key_la")
  res[wlrps$mode]=$(rps "$api/v1/indicators/rhi-timeliness/cases?status=overdue&limit=100&as_of=$END" "$key_la")
  # A write: one missing episode, its start moved by a minute (a day, if date-only) and back (a PUT of an unchanged
  # body writes no row, so it would cost the store nothing); on, the store recomputes the
  # child's cases.
  body=$(curl -sf -H "Authorization: Bearer $key_la" "$api/v1/missing-episodes/$id")
  moved=$(printf '%s' "$body" | python3 -c '
import datetime, json, sys
v = json.load(sys.stdin)
s = v["started_at"]
if len(s) > 10:  # an instant: a minute earlier
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00")) - datetime.timedelta(minutes=1)
    v["started_at"] = t.isoformat().replace("+00:00", "Z")
else:  # a date only: a day earlier
    v["started_at"] = (datetime.date.fromisoformat(s) - datetime.timedelta(days=1)).isoformat()
print(json.dumps(v))')
  res[put$mode]=$(for i in $(seq 1 "$RUNS"); do
    b=$([ $((i % 2)) -eq 1 ] && echo "$moved" || echo "$body")
    curl -sf -o /dev/null -w '%{time_total}\n' -X PUT -H "Authorization: Bearer $key_la" \
      -H "Content-Type: application/json" --data "$b" "$api/v1/missing-episodes/$id"
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}')
  curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $key_la" -H "Content-Type: application/json" \
    --data "$body" "$api/v1/missing-episodes/$id"
done
t0=$(date +%s.%N)
"$bin" store verify --la "$la"
verify_secs=$(echo "$(date +%s.%N) - $t0" | bc)
{
  echo "| 12-month summary, median ms (goal <= 5) | ${res[sum0]} | ${res[sum1]} |"
  echo "| summary computed each time, req/s (goal >= 5x the peer) | ${res[sumrps0]} | ${res[sumrps1]} |"
  echo "| scorecard, median ms (goal <= 50) | ${res[card0]} | ${res[card1]} |"
  echo "| national summary (all authorities), median ms | ${res[nat0]} | ${res[nat1]} |"
  echo "| overdue worklist first page, median ms (goal <= 2) | ${res[wl0]} | ${res[wl1]} |"
  echo "| overdue worklist, req/s (goal >= 1,000) | ${res[wlrps0]} | ${res[wlrps1]} |"
  echo "| record PUT, median ms | ${res[put0]} | ${res[put1]} |"
  echo "| serve start to ready, s (on: the backfill of every authority) | ${res[start0]} | ${res[start1]} |"
  echo "| store verify of the authority, s | | $verify_secs |"
} >> "$out"
cat "$out"
