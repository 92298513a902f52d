# Sourced by test.sh and bench-ffi.sh (from android/jvm): what compiling and running the
# generated Kotlin bindings needs on this machine, installed when missing (Debian's JDK,
# JNA, kotlinx-coroutines with atomicfu for the bindings' suspend functions, JUnit; the
# npm `kotlin-compiler` at the Kotlin Gradle pins), and the classpath they make:
# `KLIB`, `COROUTINES`, `RUNTIME_CP` (what the bindings run with) and `COMPAT` (sources
# that stand in for a marker Debian's older kotlinx-coroutines lacks, when it does).
need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jdk-headless)
[[ -f /usr/share/java/jna.jar ]] || need_apt+=(libjna-java)
[[ -f /usr/share/java/kotlinx-coroutines-core.jar ]] || need_apt+=(libkotlinx-coroutines-java)
[[ -f /usr/share/java/atomicfu.jar ]] || need_apt+=(libkotlinx-atomicfu-java)
[[ -f /usr/share/java/junit4.jar ]] || need_apt+=(junit4)
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}" >&2
    apt-get update -qq >&2 && apt-get install -y -qq "${need_apt[@]}" >&2
fi
# An install from before a version change is replaced; then the compiler must be
# the Kotlin Gradle pins (fails loudly otherwise).
if [[ ! -x node_modules/kotlin-compiler/bin/kotlinc ]] || ! ../scripts/check-kotlin-version.sh >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
../scripts/check-kotlin-version.sh >&2

KLIB=$PWD/node_modules/kotlin-compiler/lib
COROUTINES=/usr/share/java/kotlinx-coroutines-core.jar
RUNTIME_CP=/usr/share/java/jna.jar:$COROUTINES:/usr/share/java/atomicfu.jar
COMPAT=()
if ! grep -qx 'kotlinx/coroutines/DelicateCoroutinesApi.class' <<<"$(jar tf "$COROUTINES")"; then
    COMPAT+=(src/compat/kotlin)
fi
