#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what is missing,
# then builds and tests. Used by CI (.ci/run) and by developers alike.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# openssl-src (vendored into SQLCipher) builds with perl and make.
command -v perl >/dev/null || need_apt+=(perl)
command -v make >/dev/null || need_apt+=(make)
command -v cc >/dev/null || need_apt+=(gcc)
# Workspace scenarios start throwaway PostgreSQL clusters of their own.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# Console end-to-end tests: Debian's Chromium driven by playwright-core (npm).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v npm >/dev/null || need_apt+=(nodejs npm)
# A CJK font, so the screenshots the e2e tests keep show Chinese, not boxes.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

# Benchmarks run once each in test mode, on a small generated city, so they
# cannot rot; their real figures come from `cargo bench` (docs/BENCHMARKS.md).
export GRIDFIELD_BENCH_ADDRESSES="${GRIDFIELD_BENCH_ADDRESSES:-20000}"

# Scenario tests spawn the real binaries of other packages: build them first.
cargo build --workspace --bins --locked

# Formatting and lints are part of the tests (where the toolchain ships them).
if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all -- --check
fi
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --workspace --all-targets --locked -- -D warnings
fi
cargo test --workspace --all-targets --locked

# The device API against its own generated OpenAPI document (Schemathesis, PyPI).
scripts/schemathesis.sh

# Each cargo-fuzz target of the core (door plates, push and pull bodies, checklist
# templates and answers) for GRIDFIELD_FUZZ_SECONDS (20 s) each; fails on a crash.
scripts/fuzz.sh

# The generated Kotlin bindings and the Android app's non-UI layer, compiled with
# kotlinc and tested on this JDK with JNA against the real library and server.
android/jvm/scripts/test.sh

# No Swift compiler here: the generated Swift and the iOS shell must at least parse
# (tree-sitter-swift from PyPI).
ios/scripts/check-swift.sh

# Supervisor console in headless Chromium; playwright never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund)
fi
(cd tests/e2e && npm test)
