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
only="${GRIDFIELD_BENCH_ONLY:-}"
set -euo pipefail
cd "$(dirname "$0")/.."

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
