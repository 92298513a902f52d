#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings from the built gridfield-ffi library, in
# library mode, with the workspace's own uniffi-bindgen (same uniffi version as the
# library). Output is not committed: the Android and iOS builds run this script.
#
#   bindings/generate.sh [--release] [--kotlin-out DIR] [--swift-out DIR]
#
# Defaults: Kotlin into android/jvm/src/generated/kotlin, Swift (+ C header and
# modulemap) into ios/GridfieldFFI/Generated.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
kotlin_out=android/jvm/src/generated/kotlin
swift_out=ios/GridfieldFFI/Generated
while (($#)); do
    case $1 in
        --release) profile=release ;;
        --kotlin-out) kotlin_out=$2; shift ;;
        --swift-out) swift_out=$2; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# Library mode reads uniffi's metadata from the library's symbols, and the release
# profile strips them (phones want the smaller library). The metadata does not
# depend on the profile, so the bindings are generated from the unstripped debug
# build; `--release` additionally builds the stripped library that ships.
cargo build --locked --quiet -p gridfield-ffi
[[ $profile == release ]] && cargo build --locked --quiet --release -p gridfield-ffi
cargo build --locked --quiet -p uniffi-bindgen

lib=target/debug/libgridfield_ffi.so
[[ -f $lib ]] || lib=target/debug/libgridfield_ffi.dylib
bindgen=target/debug/uniffi-bindgen

rm -rf "$kotlin_out" "$swift_out"
mkdir -p "$kotlin_out" "$swift_out"
"$bindgen" generate "$lib" --language kotlin --out-dir "$kotlin_out" --no-format
"$bindgen" generate "$lib" --language swift --out-dir "$swift_out" --no-format
echo "bindings: $(find "$kotlin_out" "$swift_out" -type f | tr '\n' ' ')"
