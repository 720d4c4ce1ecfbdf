# shellcheck shell=bash
# A Python venv under .data/ holding pinned PyPI packages, for the scripts that run a Python
# tool (scripts/fuzz: schemathesis; scripts/dfe-cin-validator: the DfE CIN validator). Sourced
# after scripts/lib/pg.sh (for pg_log).

# venv_ensure DIR PIP_ARGS...: create DIR as a venv and `pip install PIP_ARGS` into it, unless it
# already holds exactly these (a stamp file records the arguments, with the content of any `-r`
# requirements file in place of its path). Installs python3-venv with apt-get when venv support is missing.
venv_ensure() {
  local venv="$1"; shift
  local want arg prev=""
  want="$(for arg in "$@"; do
    if [ "$prev" = "-r" ]; then cat "$arg"; else printf '%s\n' "$arg"; fi
    prev="$arg"
  done)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.driftwatch-pip" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    pg_log "python3 venv support not found; installing it with apt-get (python3-venv)"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  pg_log "installing $* into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  printf '%s\n' "$want" >"$venv/.driftwatch-pip"
}
