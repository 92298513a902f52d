#!/usr/bin/env bash
# Builds GridfieldFFIFFI.xcframework (the Rust core as a static library for iPhone
# and the simulators, with its C header and module map) and puts the generated Swift
# into the GridfieldFFI package. macOS with Xcode and rustup only.
#
#   ios/scripts/build-xcframework.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
pkg="$repo/ios/GridfieldFFI"
work="$repo/ios/build/xcframework"
lib=libgridfield_ffi.a

[[ $(uname -s) == Darwin ]] || { echo "build-xcframework.sh needs macOS and Xcode" >&2; exit 1; }
cd "$repo"

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
# The vendored OpenSSL (SQLCipher) and ring compile C for each target; pin the
# minimum iOS so objects and the app agree.
export IPHONEOS_DEPLOYMENT_TARGET=16.0
for t in "${targets[@]}"; do
    cargo build --locked --release -p gridfield-ffi --target "$t"
done

rm -rf "$work"
mkdir -p "$work/sim" "$work/headers/GridfieldFFIFFI"
# One library per platform in an XCFramework: the two simulator slices become one.
lipo -create \
    "target/aarch64-apple-ios-sim/release/$lib" \
    "target/x86_64-apple-ios/release/$lib" \
    -output "$work/sim/$lib"

# The Swift and the header come from the host build of the same sources, in library
# mode; the FFI surface does not depend on the target.
bindings/generate.sh --release --swift-out "$work/generated" --kotlin-out "$work/kotlin"
cp "$work/generated/GridfieldFFIFFI.h" "$work/headers/GridfieldFFIFFI/"
# In a subdirectory named after the module: Xcode copies every XCFramework's headers
# into one include dir, where two top-level module.modulemap files would collide.
cp "$work/generated/GridfieldFFIFFI.modulemap" "$work/headers/GridfieldFFIFFI/module.modulemap"

rm -rf "$pkg/GridfieldFFIFFI.xcframework"
xcodebuild -create-xcframework \
    -library "target/aarch64-apple-ios/release/$lib" -headers "$work/headers" \
    -library "$work/sim/$lib" -headers "$work/headers" \
    -output "$pkg/GridfieldFFIFFI.xcframework"

cp "$work/generated/GridfieldFFI.swift" "$pkg/Sources/GridfieldFFI/GridfieldFFI.swift"
echo "built $pkg/GridfieldFFIFFI.xcframework and Sources/GridfieldFFI/GridfieldFFI.swift"
