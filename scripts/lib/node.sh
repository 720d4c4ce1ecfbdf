# shellcheck shell=bash
# Pinned npm packages under .data/, for the scripts that run a Node.js client (scripts/odata-clients:
# Apache Olingo's ts-odatajs). Sourced after scripts/lib/pg.sh (for pg_log).

# node_ensure DIR SRC: install the packages pinned by SRC/package.json and SRC/package-lock.json
# into DIR/node_modules with `npm ci`, unless DIR already holds exactly that lock file. Installs
# Node.js and npm with apt-get (Debian packages 'nodejs' and 'npm') when `node` or `npm` is missing.
node_ensure() {
  local dir="$1" src="$2"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pg_log "node or npm not found; installing them with apt-get (Debian packages 'nodejs' and 'npm')"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        pg_log "need root (or sudo) to install Node.js"; return 1
      fi
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ -d "$dir/node_modules" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  pg_log "installing the npm packages pinned in $src/package-lock.json into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  npm ci --prefix "$dir" --no-audit --no-fund --silent
}
