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

# shellcheck source=deps.sh
source scripts/deps.sh

profile=${GRIDFIELD_FFI_PROFILE:-debug}
gen_flags=()
[[ $profile == release ]] && gen_flags+=(--release)
(cd "$ROOT" && bindings/generate.sh "${gen_flags[@]}" >/dev/null)
(cd "$ROOT" && cargo build --locked --quiet -p gridfield-server --bin gridfield-server)

CP=$RUNTIME_CP:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit.jar
OUT=$JVM_DIR/build
mkdir -p "$OUT"
echo "kotlinc: bindings + app layer + tests + bench"
rm -f "$OUT/gridfield-jvm-tests.jar"
node_modules/kotlin-compiler/bin/kotlinc -nowarn -jvm-target 17 -cp "$CP" \
    src/generated/kotlin "${COMPAT[@]}" src/main/kotlin src/test/kotlin src/bench/kotlin -d "$OUT/gridfield-jvm-tests.jar"

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
