#!/usr/bin/env bash
# Bulk ingest: rows/s of missing episodes imported through `POST /v1/imports` (NDJSON, the
# release build, all-or-nothing, one transaction) against raw `COPY` of the same rows into the
# same table (same indexes, same foreign key), from the same client machine. Prints both, the
# ratio (goal: the API at >= 50% of COPY) and a Markdown table (bench/run puts it in its report).
#
#   bench/ingest.sh [ROWS] [RUNS]          # default 200000 rows, 3 runs; medians reported
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/ingest.sh
#
# DATABASE_URL names a server where the script may create (and drop) the database
# `driftwatch_ingest_bench`; without it a throwaway cluster is started in bench/.data/ingest-pg
# (as scripts/run does). The rows are deterministic: episode i belongs to child i mod ROWS/10,
# starts on day i mod 700 at hour i mod 24, returns 9 hours later, and 9 in 10 have an
# interview. Needs curl, python3 and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/pg.sh

ROWS="${1:-${ROWS:-200000}}"
RUNS="${2:-${RUNS:-3}}"
CHILDREN=$((ROWS / 10))
data="$PWD/bench/.data/ingest"
mkdir -p "$data"

server_pid=""; cluster=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  # (an `if`, not `&&`: the trap's last status would otherwise be the script's exit status)
  if [ -n "$cluster" ]; then pg_stop_cluster "$cluster"; fi
}
trap cleanup EXIT

pg_find_binaries || pg_ensure_binaries
psql="$PG_BIN/psql"
if [ -z "${DATABASE_URL:-}" ]; then
  PG_PORT_FROM=54950 pg_start_cluster "$PWD/bench/.data/ingest-pg"
  cluster="$PWD/bench/.data/ingest-pg"
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
admin="$DATABASE_URL"
db_url="${admin%/*}/driftwatch_ingest_bench"
"$psql" -Atq "$admin" -c "DROP DATABASE IF EXISTS driftwatch_ingest_bench WITH (FORCE)" >/dev/null
"$psql" -Atq "$admin" -c "CREATE DATABASE driftwatch_ingest_bench" >/dev/null

pg_log "building the release binary"
cargo build --release -q
bin="$PWD/target/release/driftwatch"
DATABASE_URL="$db_url" "$bin" migrate >/dev/null 2>&1
key=$(DATABASE_URL="$db_url" "$bin" keys create --la BENCH --scopes write,read --name bench-ingest 2>/dev/null)

pg_log "generating $ROWS missing episodes of $CHILDREN children (NDJSON for the API, CSV for COPY)"
python3 - "$ROWS" "$CHILDREN" "$data" <<'PY'
import datetime, json, sys
rows, children, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = datetime.datetime(2024, 12, 1, tzinfo=datetime.timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(f"{out}/children.ndjson", "w") as f:
    for c in range(children):
        f.write(json.dumps({"id": f"c{c}", "team": f"Team {c % 7}"}) + "\n")
with open(f"{out}/episodes.ndjson", "w") as nd, open(f"{out}/episodes.csv", "w") as csv:
    for i in range(rows):
        start = base + datetime.timedelta(days=i % 700, hours=i % 24)
        back = start + datetime.timedelta(hours=9)
        held = back + datetime.timedelta(hours=i % 120) if i % 10 else None
        e = {"id": f"m{i}", "child_id": f"c{i % children}", "team": f"Team {i % 7}",
             "kind": "missing", "in_care": i % 2 == 0, "started_at": iso(start),
             "returned_at": iso(back)}
        if held:
            e["rhi_held_at"] = iso(held)
        nd.write(json.dumps(e, separators=(",", ":")) + "\n")
        # The stored columns, as the upsert writes them.
        csv.write(",".join([
            "BENCH", e["id"], e["child_id"], e["team"], "", "missing",
            "true" if e["in_care"] else "false", iso(start), "true", iso(back), "true",
            "", "", "", "", iso(held) if held else "", "true" if held else "", "",
        ]) + "\n")
PY
bytes=$(wc -c < "$data/episodes.ndjson")

port=$(pg_free_port 18400)
DATABASE_URL="$db_url" DRIFTWATCH_BIND="127.0.0.1:$port" DRIFTWATCH_WORKERS=2 \
  DRIFTWATCH_RATE_LIMIT_PER_MINUTE=0 DRIFTWATCH_IMPORT_ASYNC_BYTES=$((1 << 40)) \
  DRIFTWATCH_STATEMENT_TIMEOUT_MS=600000 RUST_LOG=warn "$bin" serve >"$data/server.log" 2>&1 &
server_pid=$!
api="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$api/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$api/readyz" >/dev/null || { cat "$data/server.log" >&2; exit 1; }

import() { # file type -> seconds (curl's total time); fails unless 201
  local out code secs
  out=$(curl -s -o "$data/last.json" -w '%{http_code} %{time_total}' -X POST \
    -H "Authorization: Bearer $key" -H "Content-Type: application/x-ndjson" \
    --data-binary "@$1" "$api/v1/imports?type=$2")
  read -r code secs <<<"$out"
  [ "$code" = 201 ] || { echo "import answered $code:" >&2; head -c 2000 "$data/last.json" >&2; exit 1; }
  echo "$secs"
}
import "$data/children.ndjson" children >/dev/null
empty() { "$psql" -q "$db_url" -c "DELETE FROM missing_episodes WHERE la_code = 'BENCH'" -c "VACUUM ANALYZE missing_episodes" >/dev/null; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

api_times=(); copy_times=(); noop_times=()
for run in $(seq 1 "$RUNS"); do
  empty
  t=$(import "$data/episodes.ndjson" missing-episodes); api_times+=("$t")
  created=$(python3 -c "import json;print(json.load(open('$data/last.json'))['report']['total']['created'])")
  [ "$created" = "$ROWS" ] || { echo "expected $ROWS created, got $created" >&2; exit 1; }
  t=$(import "$data/episodes.ndjson" missing-episodes); noop_times+=("$t")
  empty
  t0=$(date +%s.%N)
  "$psql" -q -v ON_ERROR_STOP=1 "$db_url" -c "\\copy missing_episodes (la_code, id, child_id, team, worker_id, kind, in_care, started_at, started_at_has_time, returned_at, returned_at_has_time, rhi_offered_at, rhi_offered_at_has_time, rhi_provider, rhi_accepted, rhi_held_at, rhi_held_at_has_time, rhi_declined_reason) FROM '$data/episodes.csv' WITH (FORMAT csv)" >/dev/null
  t1=$(date +%s.%N)
  copy_times+=("$(echo "$t1 - $t0" | bc)")
  printf '  run %s: API %.2f s, API re-import (all unchanged) %.2f s, COPY %.2f s\n' \
    "$run" "${api_times[-1]}" "${noop_times[-1]}" "${copy_times[-1]}" >&2
done
api_s=$(printf '%s\n' "${api_times[@]}" | median)
noop_s=$(printf '%s\n' "${noop_times[@]}" | median)
copy_s=$(printf '%s\n' "${copy_times[@]}" | median)
rate() { python3 -c "print(f'{$ROWS / $1:,.0f}')"; }
ratio=$(python3 -c "print(f'{100 * $copy_s / $api_s:.0f}%')")
echo
echo "$ROWS missing episodes ($((bytes / 1024 / 1024)) MiB of NDJSON), median of $RUNS runs:"
echo
echo "| method | seconds | rows/s |"
echo "|---|---:|---:|"
echo "| POST /v1/imports (NDJSON, validated, all-or-nothing, one transaction) | $api_s | $(rate "$api_s") |"
echo "| the same file again (all unchanged) | $noop_s | $(rate "$noop_s") |"
echo "| raw COPY (psql \\copy, CSV of the stored columns) | $copy_s | $(rate "$copy_s") |"
echo "| API / COPY | | $ratio |"
