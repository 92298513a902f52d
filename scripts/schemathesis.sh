#!/usr/bin/env bash
# Schemathesis against the generated /v1/openapi.json of a running demo server:
# generated requests (valid and invalid) for every operation, checked for server
# errors and for answers that contradict the document (status, content type,
# body schema). Bounded so the step stays short; the server stops whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${GRIDFIELD_ST_VENV:-$HOME/.cache/gridfield/schemathesis-venv}
if [ ! -x "$VENV/bin/schemathesis" ]; then
    # Debian's own python3 needs python3-venv for this; a fresh machine may lack it.
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        apt-get update -qq && apt-get install -y -qq python3-venv
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet "schemathesis==${SCHEMATHESIS_VERSION:-4.32.5}"
fi

S=target/debug/gridfield-server
[ -x "$S" ] || cargo build --quiet --bin gridfield-server
WORK=$(mktemp -d -t gridfield-st-XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$S" --db "$WORK/server.db" serve --demo --demo-addresses 3 --listen "127.0.0.1:$PORT" \
    >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 150); do grep -q "enrollment codes" "$WORK/server.out" 2>/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
CODE=$(awk '$1 == "张伟" { print $4 }' "$WORK/server.out")
TOKEN=$(python3 - "$URL" "$CODE" <<'PY'
import json, sys, urllib.request
url, code = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url + "/v1/enroll", method="POST",
    data=json.dumps({"code": code, "device_name": "schemathesis"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["token"])
PY
)

# From the temp dir: Schemathesis keeps a cache (.schemathesis/) where it runs.
cd "$WORK"
"$VENV/bin/schemathesis" run "$URL/v1/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
    --seed 14 \
    --no-color
