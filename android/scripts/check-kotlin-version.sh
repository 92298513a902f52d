#!/usr/bin/env bash
# One Kotlin for what is tested and what ships: the kotlinc that compiles the JVM
# tests here (npm `kotlin-compiler`, android/jvm/package.json) must be the version
# Gradle pins (android/gradle/libs.versions.toml `kotlin`, which the Kotlin and
# Compose compiler plugins both use). Exits 1, saying which differs, if not.
set -euo pipefail
ANDROID_DIR=$(cd "$(dirname "$0")/.." && pwd)
toml=$ANDROID_DIR/gradle/libs.versions.toml
kotlinc=${1:-$ANDROID_DIR/jvm/node_modules/kotlin-compiler/bin/kotlinc}

gradle_kotlin=$(sed -n 's/^kotlin = "\([^"]*\)"$/\1/p' "$toml")
[[ -n $gradle_kotlin ]] || { echo "error: no \`kotlin = \"…\"\` version in $toml" >&2; exit 1; }
for plugin in kotlin-android kotlin-jvm kotlin-compose; do
    grep -Eq "^$plugin = \{.*version\.ref = \"kotlin\"" "$toml" || {
        echo "error: plugin $plugin in $toml does not use version.ref = \"kotlin\"" >&2
        exit 1
    }
done
npm_pin=$(sed -n 's/.*"kotlin-compiler": "\([^"]*\)".*/\1/p' "$ANDROID_DIR/jvm/package.json")
compiled=$("$kotlinc" -version 2>&1 | sed -n 's/.*kotlinc-jvm \([^ ]*\) .*/\1/p')
if [[ $npm_pin != "$gradle_kotlin" || $compiled != "$gradle_kotlin" ]]; then
    echo "error: Kotlin versions differ: Gradle pins $gradle_kotlin, android/jvm/package.json pins ${npm_pin:-nothing}, kotlinc is ${compiled:-unknown}" >&2
    echo "       (what is tested here must be what ships; change both, then npm install in android/jvm)" >&2
    exit 1
fi
echo "kotlin $compiled (the version Gradle pins)"
