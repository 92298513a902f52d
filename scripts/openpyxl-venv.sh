#!/usr/bin/env bash
# Prints the path of a Python that has openpyxl, making its venv on first use the
# way scripts/schemathesis.sh makes its own (tests open XLSX exports with it).
set -euo pipefail
VENV=${GRIDFIELD_OPENPYXL_VENV:-$HOME/.cache/gridfield/openpyxl-venv}
if ! "$VENV/bin/python" -c "import openpyxl" 2>/dev/null; then
    # Debian's own python3 needs python3-venv for this; a fresh machine may lack it.
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
        python3 -m venv "$VENV" >/dev/null
    fi
    "$VENV/bin/pip" install --quiet "openpyxl==${OPENPYXL_VERSION:-3.1.5}" >&2
fi
echo "$VENV/bin/python"
