#!/usr/bin/env bash
# Fuzzes gridfield-core for a bounded time: builds the cargo-fuzz targets in
# core/fuzz (libFuzzer, AddressSanitizer, debug assertions and overflow checks on)
# and runs each from its committed seeds for GRIDFIELD_FUZZ_SECONDS (default 20).
# Fails on any crash; the crashing input is left in core/fuzz/artifacts/<target>/.
# Used by scripts/test.sh; `scripts/fuzz.sh plate` runs one target.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${GRIDFIELD_FUZZ_SECONDS:-20}"
FUZZ_DIR=core/fuzz
# Apart from the main build: the fuzzer's flags would otherwise rebuild it all.
TARGET_DIR=target/fuzz
# cargo fuzz needs nightly-only flags (-Z sanitizer); the stable toolchain allows them so.
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

# libfuzzer-sys compiles libFuzzer (C++).
if ! command -v c++ >/dev/null; then
    apt-get update -qq && apt-get install -y -qq g++
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
    mapfile -t targets < <(cargo fuzz list --fuzz-dir "$FUZZ_DIR")
fi

cargo fuzz build --fuzz-dir "$FUZZ_DIR" --target-dir "$TARGET_DIR" --debug-assertions

# Targets that write (the pull target's device store) write under a TMPDIR of their own.
work=$(mktemp -d -t gridfield-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
    echo "fuzzing $t for ${SECONDS_PER_TARGET}s"
    # New inputs go to the first (uncommitted) corpus dir; the seeds stay as committed.
    mkdir -p "$FUZZ_DIR/corpus/$t"
    TMPDIR="$work" cargo fuzz run --fuzz-dir "$FUZZ_DIR" --target-dir "$TARGET_DIR" \
        --debug-assertions "$t" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
echo "fuzzing: ${#targets[@]} targets, no crash"
