#!/usr/bin/env bash
# Measures the cost of calls through the uniffi bindings from Kotlin, against the
# release library (the phone's build profile), and prints one JSON line on stdout
# (progress on stderr). `--quick` runs a few iterations only (CI keeps it compiling).
set -euo pipefail
cd "$(dirname "$0")/.."
JVM_DIR=$PWD
ROOT=$(cd ../.. && pwd)
# shellcheck source=deps.sh
source scripts/deps.sh

profile=${GRIDFIELD_FFI_PROFILE:-release}
gen_flags=()
[[ $profile == release ]] && gen_flags+=(--release)
(cd "$ROOT" && bindings/generate.sh "${gen_flags[@]}" >&2)
mkdir -p build
rm -f build/gridfield-jvm-bench.jar
echo "kotlinc: bindings + bench" >&2
node_modules/kotlin-compiler/bin/kotlinc -nowarn -jvm-target 17 -cp "$RUNTIME_CP" \
    src/generated/kotlin "${COMPAT[@]}" src/main/kotlin src/bench/kotlin -d build/gridfield-jvm-bench.jar 2>&1 | grep -v '^$' >&2 || true
[[ -f build/gridfield-jvm-bench.jar ]]
java -Djna.library.path="$ROOT/target/$profile" \
    -cp "build/gridfield-jvm-bench.jar:$RUNTIME_CP:$KLIB/kotlin-stdlib.jar" \
    cn.gridfield.data.FfiBenchKt "$@"
