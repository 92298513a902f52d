#!/usr/bin/env bash
# The main job, offline edition: a headless grid-worker device does a day's work
# with no network — import its grid, scan a signed door plate, run the
# rental-housing fire-safety checklist, move a hazard, file a report — and shows
# what waits in its outbox for the sync server.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin gridfield
G=target/debug/gridfield
F=core/tests/fixtures
DATA=$(mktemp -d -t gridfield-demo-XXXXXX)
trap 'rm -rf "$DATA"' EXIT
ISSUER=$(python3 -c "import json;print(json.load(open('core/tests/vectors/plates.json'))['issuer']['public_key_hex'])")
PLATE=$(python3 -c "import json;print(json.load(open('core/tests/vectors/plates.json'))['valid'][0]['qr'])")
FORGED=$(python3 -c "import json;print([v for v in json.load(open('core/tests/vectors/plates.json'))['invalid'] if v['name']=='altered_address_text'][0]['qr'])")
ADDR=320583-001-0012-03-02-0501
run() { echo; echo "\$ gridfield $*"; "$G" --data "$DATA" "$@"; }

run init --user 张网格员 --role worker --grid 320583001003 --issuer-key "$ISSUER"
run import-grids $F/grids.csv
run import-addresses $F/addresses.csv
run search 3栋2单元
run scan "$PLATE"
run scan "$FORGED" || echo "(exit $?: forged plate flagged)"
run entity put rental_unit --address $ADDR landlord_name=李房东 rooms=3 use=shared risk_level=high
run inspect --template rental_fire_safety --address $ADDR --answers $F/fire_safety_fail.json --lat 31.3856 --lon 120.9812
HAZARD=$("$G" --data "$DATA" --json hazard list | python3 -c "import json,sys;print(json.load(sys.stdin)[0]['id'])")
run hazard move "$HAZARD" assign --assignee 李房东 --deadline 2099-12-31 --note 限期三天整改
run hazard move "$HAZARD" mark_rectified --note 电动车已移出楼道 --photo $F/site.png
run hazard show "$HAZARD"
run report --address 320583-001-0033-00-00-0000 --text 超市门口纸箱堵塞消防通道 --photo $F/site.png
run outbox
