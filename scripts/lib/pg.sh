# shellcheck shell=bash
# Find or install PostgreSQL server binaries and run a private cluster on a free loopback port.
# Sourced by scripts/run and scripts/test. Nothing here uses a server that is already running.

pg_log() { printf '\033[1m[driftwatch]\033[0m %s\n' "$*" >&2; }

# Sets PG_BIN to a directory holding initdb, pg_ctl, postgres, psql and createdb.
pg_find_binaries() {
  PG_BIN=""
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN="$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN="$(dirname "$(command -v initdb)")"; return 0
  fi
  return 1
}

pg_ensure_binaries() {
  pg_find_binaries && return 0
  pg_log "PostgreSQL server not found; installing it with apt-get (Debian package 'postgresql')"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      pg_log "need root (or sudo) to install PostgreSQL; or set DATABASE_URL to an existing server"; return 1
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_find_binaries || { pg_log "PostgreSQL installed but initdb not found"; return 1; }
}

# Run a command as the cluster's owner: initdb refuses root, so root uses the 'postgres' user.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  local p
  for p in $(seq "${1:-54320}" 54999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# pg_start_cluster DIR: create (if new) and start a cluster in DIR on a free port.
# PG_FSYNC (default on) and PG_EXTRA_CONF (extra postgresql.conf lines) adjust its settings.
# Sets PG_PORT. The cluster trusts local connections and listens on 127.0.0.1 only.
pg_start_cluster() {
  local dir="$1"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  if pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    PG_PORT="$(sed -n 's/^port *= *//p' "$dir/data/postgresql.auto.conf" | tail -1)"
    [ -n "$PG_PORT" ] && return 0
  fi
  # A free port can be taken between the check and the start (several clusters starting at
  # once): try the next free one, a few times.
  local from="${PG_PORT_FROM:-54320}" attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT="$(pg_free_port "$from")"
    # Port and settings persist in postgresql.auto.conf (ALTER SYSTEM format).
    pg_as_owner sh -c "cat > '$dir/data/postgresql.auto.conf' <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = '256MB'
fsync = ${PG_FSYNC:-on}
jit = off
${PG_EXTRA_CONF:-}
CONF"
    if pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      return 0
    fi
    from=$((PG_PORT + 1 + RANDOM % 20))
  done
  cat "$dir/server.log" >&2
  return 1
}

# pg_resume_cluster DIR: start a stopped cluster again with its saved settings (same port).
pg_resume_cluster() {
  local dir="$1"
  PG_PORT="$(sed -n 's/^port *= *//p' "$dir/data/postgresql.auto.conf" | tail -1)"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
}

pg_stop_cluster() {
  local dir="$1"
  [ -f "$dir/data/PG_VERSION" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_createdb NAME: create a database on the private cluster if it does not exist.
pg_createdb() {
  local exists
  exists="$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc \
    "SELECT 1 FROM pg_database WHERE datname = '$1'")"
  [ "$exists" = "1" ] || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"
}
