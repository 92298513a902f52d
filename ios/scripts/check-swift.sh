#!/usr/bin/env bash
# Parse check for all Swift under ios/ (generated bindings, package manifest, app):
# no Swift compiler runs on Linux, so tree-sitter-swift from PyPI proves the sources
# are at least well-formed Swift. Exit 1 with file:line:column on any syntax error.
#
#   ios/scripts/check-swift.sh            # every .swift file under ios/
#   ios/scripts/check-swift.sh PATH...    # only these files or directories
set -euo pipefail
ios_dir="$(cd "$(dirname "$0")/.." && pwd)"
repo_dir="$(dirname "$ios_dir")"
venv="$ios_dir/build/venv"
pins=(tree-sitter==0.26.1 tree-sitter-swift==0.7.4)

# Reinstall only when the pins change: the stamp records what the venv holds.
if [[ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
    echo "${pins[*]}" >"$venv/.pins"
fi

if (($# == 0)); then
    if [[ ! -f $ios_dir/GridfieldFFI/Generated/GridfieldFFI.swift ]]; then
        "$repo_dir/bindings/generate.sh"
    fi
    set -- "$ios_dir"
fi
exec "$venv/bin/python" "$ios_dir/scripts/check_swift.py" "$@"
