#!/usr/bin/env bash
# The main job: the sync server on embedded SQLite with a demo district, and
# headless devices that enroll and sync with it. A grid worker inspects a rental
# flat offline and syncs; the supervisor reviews and returns it with a comment;
# the worker's next sync brings the comment back; a neighbour dispute mediated on
# the spot goes up to the town, which dispatches it to its justice office; a
# volunteer reports what they saw. Then the server keeps running, with the
# console's address and a supervisor's sign-in printed, until Ctrl-C; with
# `--once` (or GRIDFIELD_DEMO_ONCE=1), for scripts and CI, it stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

ONCE=${GRIDFIELD_DEMO_ONCE:-0}
for arg in "$@"; do
    case "$arg" in
        --once) ONCE=1 ;;
        -h|--help) echo "usage: scripts/demo.sh [--once]"; exit 0 ;;
        *) echo "scripts/demo.sh: unknown argument $arg (usage: scripts/demo.sh [--once])" >&2; exit 2 ;;
    esac
done

cargo build --quiet --bins
S=target/debug/gridfield-server
G=target/debug/gridfield
F=core/tests/fixtures
WORK=$(mktemp -d -t gridfield-demo-XXXXXX)
PORT=${GRIDFIELD_DEMO_PORT:-18080}
"$S" --db "$WORK/server.db" serve --demo --listen "127.0.0.1:$PORT" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do grep -q "enrollment codes" "$WORK/server.out" 2>/dev/null && break; sleep 0.2; done
sleep 0.5
cat "$WORK/server.out"
URL="http://127.0.0.1:$PORT"
code() { awk -v u="$1" '$1 == u && NF == 4 { print $4 }' "$WORK/server.out"; }
password() { awk -v u="$1" '$1 == u && NF == 2 { print $2 }' "$WORK/server.out"; }
run() { local who=$1; shift; echo; echo "[$who] \$ gridfield $*"; "$G" --data "$WORK/$who" "$@"; }

run worker enroll --server "$URL" --code "$(code 张伟)" --name 张伟的手机
run worker sync
run worker search 建设路 3栋1单元 --limit 3
ADDR=$("$G" --data "$WORK/worker" --json search 建设路 3栋1单元 --limit 1 | python3 -c "import json,sys;print(json.load(sys.stdin)[0]['code'])")
# Through a file: `| head` would cut the device's output mid-write (a broken pipe).
run worker address "$ADDR" >"$WORK/address.txt"
head -5 "$WORK/address.txt"
echo; echo "--- the worker goes into a basement: no network from here until the next sync ---"
run worker inspect --template rental_fire_safety --address "$ADDR" --answers $F/fire_safety_fail.json --lat 31.3856 --lon 120.9812
HAZARD=$("$G" --data "$WORK/worker" --json hazard list | python3 -c "import json,sys;print(json.load(sys.stdin)[0]['id'])")
run worker hazard move "$HAZARD" assign --assignee 李房东 --deadline 2099-12-31 --note 限期三天整改
run worker outbox
run worker sync

run supervisor enroll --server "$URL" --code "$(code 赵强)" --name 赵强的平板
run supervisor sync
INSP=$("$G" --data "$WORK/supervisor" --json inspections --status submitted | python3 -c "import json,sys;print(json.load(sys.stdin)[0]['id'])")
run supervisor inspection review "$INSP" return --comment "请补拍灭火器压力表照片"
run supervisor sync

run worker sync
run worker inspections

echo; echo "--- a neighbour dispute (矛盾纠纷), offline: mediated on the spot, not settled, escalated ---"
CASE=$("$G" --data "$WORK/worker" --json case new --type dispute.neighbor --address "$ADDR" \
    --text 楼上卫生间漏水殃及楼下，多次协商未果 --party 钱某:applicant --party 孙某:respondent \
    --handle-myself | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
run worker case show "$CASE"
run worker case mediate "$CASE" --place 网格服务站 --note 赔偿金额未谈拢 --participants 钱某,孙某
run worker case step "$CASE" escalate --note 需镇里联动调解
run worker sync
run supervisor sync
run supervisor case list
run supervisor case step "$CASE" accept
run supervisor case step "$CASE" dispatch --to department:320583001-justice
run supervisor sync
run supervisor case show "$CASE"

run volunteer enroll --server "$URL" --code "$(code 王芳)" --name 王芳的手机
run volunteer sync
run volunteer report --address "$ADDR" --text 楼道里又停了电动车 --photo $F/ebike.png
run volunteer sync
run volunteer diagnostics

[ "$ONCE" = 1 ] && exit 0
echo
echo "--- the demo server keeps running: open what the devices synced in a browser ---"
echo "  console:  $URL/console"
echo "  sign in:  赵强 (supervisor of 玉山镇) / $(password 赵强)"
echo "            管理员 (admin of the city) / $(password 管理员)"
echo "  Ctrl-C stops the server and removes its temporary data ($WORK)."
wait $SERVER
