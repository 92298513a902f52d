#!/usr/bin/env bash
# Compiles the generated Kotlin bindings, the app's non-UI layer and its tests with
# kotlinc (npm `kotlin-compiler`) and runs the tests on this machine's JDK with JNA
# (Debian `libjna-java`) and kotlinx-coroutines (Debian `libkotlinx-coroutines-java`
# with its `libkotlinx-atomicfu-java`, for the bindings' suspend functions), against the real gridfield-ffi library and a real
# gridfield-server process. No Gradle and no Maven Central are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
JVM_DIR=$PWD
ROOT=$(cd ../.. && pwd)

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jdk-headless)
[[ -f /usr/share/java/jna.jar ]] || need_apt+=(libjna-java)
[[ -f /usr/share/java/kotlinx-coroutines-core.jar ]] || need_apt+=(libkotlinx-coroutines-java)
[[ -f /usr/share/java/atomicfu.jar ]] || need_apt+=(libkotlinx-atomicfu-java)
[[ -f /usr/share/java/junit4.jar ]] || need_apt+=(junit4)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
# An install from before a version change is replaced; then the compiler must be
# the Kotlin Gradle pins (fails loudly otherwise).
if [[ ! -x node_modules/kotlin-compiler/bin/kotlinc ]] || ! ../scripts/check-kotlin-version.sh >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
fi
../scripts/check-kotlin-version.sh

profile=${GRIDFIELD_FFI_PROFILE:-debug}
gen_flags=()
[[ $profile == release ]] && gen_flags+=(--release)
(cd "$ROOT" && bindings/generate.sh "${gen_flags[@]}" >/dev/null)
(cd "$ROOT" && cargo build --locked --quiet -p gridfield-server --bin gridfield-server)

KLIB=$JVM_DIR/node_modules/kotlin-compiler/lib
COROUTINES=/usr/share/java/kotlinx-coroutines-core.jar
CP=/usr/share/java/jna.jar:$COROUTINES:/usr/share/java/atomicfu.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit.jar
# Debian's kotlinx-coroutines is older than a marker the bindings import (src/compat).
compat=()
if ! grep -qx 'kotlinx/coroutines/DelicateCoroutinesApi.class' <<<"$(jar tf "$COROUTINES")"; then
    compat+=(src/compat/kotlin)
fi
OUT=$JVM_DIR/build
mkdir -p "$OUT"
echo "kotlinc: bindings + app layer + tests + bench"
rm -f "$OUT/gridfield-jvm-tests.jar"
node_modules/kotlin-compiler/bin/kotlinc -nowarn -jvm-target 17 -cp "$CP" \
    src/generated/kotlin "${compat[@]}" src/main/kotlin src/test/kotlin src/bench/kotlin -d "$OUT/gridfield-jvm-tests.jar"

tests=(cn.gridfield.data.OfflineStoreTest cn.gridfield.data.FieldRoundTripTest cn.gridfield.data.PersonalDataTest
    cn.gridfield.data.SyncPolicyTest cn.gridfield.data.DraftRecoveryTest cn.gridfield.data.SyncStatusTest cn.gridfield.data.CaseLoopTest
    cn.gridfield.data.PlateScanTest cn.gridfield.data.VisitPlanTest
    cn.gridfield.data.VoucherTest
    cn.gridfield.data.LegacyPlateLocationTest
    cn.gridfield.data.ReportPointsTest cn.gridfield.data.SubmitLocationTemplateTest
    cn.gridfield.data.AsyncSyncTest)
java -Djna.library.path="$ROOT/target/$profile" \
    -Dgridfield.root="$ROOT" -Dgridfield.server="$ROOT/target/debug/gridfield-server" \
    -cp "$OUT/gridfield-jvm-tests.jar:$CP:$KLIB/kotlin-stdlib.jar" \
    org.junit.runner.JUnitCore "${tests[@]}"

# The call-cost benchmark runs a few iterations here so it cannot rot; its figures
# come from scripts/bench-ffi.sh on the release library (docs/BENCHMARKS.md).
java -Djna.library.path="$ROOT/target/$profile" \
    -cp "$OUT/gridfield-jvm-tests.jar:$CP:$KLIB/kotlin-stdlib.jar" \
    cn.gridfield.data.FfiBenchKt --quick
