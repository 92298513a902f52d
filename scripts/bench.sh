#!/usr/bin/env bash
# The city-scale benchmark, side by side with PouchDB, in one run (docs/BENCHMARKS.md):
# builds the release binaries, installs the PouchDB side (npm ci, registry only),
# then runs tests/benches/city.rs, which writes its section of docs/BENCHMARKS.md.
# Then the randomized sync schedules at bench count (docs/SYNC.md, "Randomized schedules").
# About 15 + 30 minutes on 2 cores. Knobs (environment): GRIDFIELD_BENCH_SCALE (1 = the
# real city), GRIDFIELD_BENCH_DEVICES, GRIDFIELD_BENCH_LOAD_SECS, GRIDFIELD_BENCH_SEED,
# GRIDFIELD_BENCH_POUCHDB=0 to skip PouchDB, GRIDFIELD_BENCH_WRITE_DOCS=0 to print only,
# GRIDFIELD_FAULT_CASES (200; 0 skips the schedules). GRIDFIELD_BENCH_ONLY=cases runs only
# the case part (console case pages and syncs with cases, both stores; its own block of
# docs/BENCHMARKS.md), without PouchDB or the schedules.
#
# `scripts/bench.sh coverage` is a bench-only mode: the console's visit coverage page
# (/console/coverage) for the whole city, on a generated city (GRIDFIELD_BENCH_SCALE,
# default 0.05; or GRIDFIELD_BENCH_DB=<a city SQLite file gridfield-city made>) with
# visit rules loaded; prints the time of each fetch. It uses the release binaries
# unless GRIDFIELD_BENCH_PROFILE=debug (a pessimistic figure).
set -euo pipefail
cd "$(dirname "$0")/.."
only="${GRIDFIELD_BENCH_ONLY:-}"

if [[ "${1:-}" == coverage ]]; then
    profile=${GRIDFIELD_BENCH_PROFILE:-release}
    if [[ $profile == release ]]; then
        cargo build --release --locked --bin gridfield-server --bin gridfield-city
    fi
    bin=target/$profile
    scale=${GRIDFIELD_BENCH_SCALE:-0.05}
    tmp=$(mktemp -d)
    server_pid=
    trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
    db=${GRIDFIELD_BENCH_DB:-$tmp/city.db}
    if [[ -z ${GRIDFIELD_BENCH_DB:-} ]]; then
        echo "generating a city at scale $scale …"
        "$bin/gridfield-city" --db "$db" --scale "$scale" --json --no-progress >"$tmp/city.json"
    fi
    root=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
        'SELECT code FROM grids WHERE parent_code IS NULL').fetchone()[0])" "$db")
    {
        echo "grid,kind,only,every,template"
        echo "$root,rental_unit,high,monthly,rental_fire_safety"
        echo "$root,rental_unit,,quarterly,rental_fire_safety"
        echo "$root,household,,yearly,household_visit"
    } >"$tmp/rules.csv"
    "$bin/gridfield-server" --db "$db" admin visit-rules load "$tmp/rules.csv" \
        --effective-from "$(date -d '-400 days' +%F)"
    echo "bench-coverage-pass" | "$bin/gridfield-server" --db "$db" admin console-user \
        --name bench-admin --role admin --grid "$root" >/dev/null
    "$bin/gridfield-server" --db "$db" serve --listen 127.0.0.1:0 >"$tmp/server.out" 2>/dev/null &
    server_pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$tmp/server.out" && break
        sleep 0.1
    done
    url=$(sed -n 's/^gridfield-server listening on \([^ ]*\).*/\1/p' "$tmp/server.out")
    cookie=$(curl -s -o /dev/null -D - -X POST "$url/console/login" \
        --data-urlencode user=bench-admin --data-urlencode password=bench-coverage-pass |
        sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
    python3 -c "import sqlite3,sys; print('records', dict(sqlite3.connect(sys.argv[1]).execute(
        'SELECT kind, COUNT(*) FROM records GROUP BY kind').fetchall()))" "$db"
    # The first fetch after start may wait for the whole count the server starts
    # with (kept per grid, migration 019); the later ones read the kept figures.
    for period in month quarter; do
        for i in 1 2 3 4 5; do
            curl -s -o /dev/null -w "coverage ($period) %{http_code} %{time_total}s\n" \
                -H "cookie: $cookie" "$url/console/coverage?period=$period"
        done
    done
    exit 0
fi

ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || {
    echo "PostgreSQL server binaries missing: run scripts/test.sh once (it installs them)" >&2
    exit 1
}
if [[ "$only" != cases && "${GRIDFIELD_BENCH_POUCHDB:-1}" != 0 ]]; then
    command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    (cd bench/pouchdb && npm ci --no-audit --no-fund --loglevel=error)
fi
# The server and the `gridfield` device run as shipped (release profile).
cargo build --release --bins --locked
cargo bench --locked -p gridfield-tests --bench city
# Seeded schedules of edits, cuts, held pulls and skewed clocks on SQLite; each prints
# its line, and any lost write or divergence fails with the seed to replay it.
cases="${GRIDFIELD_FAULT_CASES:-200}"
[[ "$only" == cases ]] && cases=0
if [[ "$cases" != 0 ]]; then
    GRIDFIELD_FAULT_CASES="$cases" cargo test --release --locked -p gridfield-tests --test faults \
        sqlite::randomized_convergence_through_faulty_network -- --nocapture
fi
