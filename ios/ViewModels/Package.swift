// swift-tools-version:5.9
// The iOS app's view models: plain Swift over the generated bindings (module `Solace`), no UIKit or
// SwiftUI, so they build and are tested on Linux by `cargo xtask test-ios-vm`.
//
// `Sources/Solace` (generated `solace_ffi.swift`) and `Sources/solace_ffiFFI` (generated header +
// module.modulemap) are not tracked: the xtask copies them in from `cargo xtask bindings`, and on a
// Mac `ios/scripts/prepare-bindings.sh` does the same. When `../SolaceFFI.xcframework` exists (built
// as in bindings/README.md), the C module comes from it (iOS device/simulator); otherwise from the
// host library (`-L`/rpath to libsolace_ffi passed on the command line, as the xtask does).
import Foundation
import PackageDescription

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let xcframework = root.appendingPathComponent("../SolaceFFI.xcframework").standardized.path
let useXCFramework = FileManager.default.fileExists(atPath: xcframework)

let ffi: Target = useXCFramework
    ? .binaryTarget(name: "solace_ffiFFI", path: "../SolaceFFI.xcframework")
    : .systemLibrary(name: "solace_ffiFFI", path: "Sources/solace_ffiFFI")

let package = Package(
    name: "SolaceViewModels",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "SolaceViewModels", targets: ["SolaceViewModels"]),
    ],
    targets: [
        ffi,
        .target(
            name: "Solace",
            dependencies: ["solace_ffiFFI"],
            path: "Sources/Solace",
            linkerSettings: useXCFramework ? [] : [.linkedLibrary("solace_ffi")]
        ),
        .target(name: "SolaceViewModels", dependencies: ["Solace"], path: "Sources/SolaceViewModels"),
        .testTarget(
            name: "SolaceViewModelsTests",
            dependencies: ["SolaceViewModels", "Solace"],
            path: "Tests/SolaceViewModelsTests"
        ),
    ]
)
