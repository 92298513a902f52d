// swift-tools-version:5.9
// The Swift package the app links: uniffi's generated Swift over the Rust core, built
// against GridfieldFFIFFI.xcframework (static library, C header, module map).
// Both the framework and the generated file come from ios/scripts/build-xcframework.sh.
import PackageDescription

let package = Package(
    name: "GridfieldFFI",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "GridfieldFFI", targets: ["GridfieldFFI"]),
    ],
    targets: [
        .binaryTarget(name: "GridfieldFFIFFI", path: "GridfieldFFIFFI.xcframework"),
        .target(
            name: "GridfieldFFI",
            dependencies: ["GridfieldFFIFFI"],
            path: "Sources/GridfieldFFI",
            linkerSettings: [
                // rustls verifies server certificates with the platform's trust store.
                .linkedFramework("Security"),
            ]
        ),
    ]
)
