// swift-tools-version:5.9
// Host (Linux) test package for the generated Swift bindings. `cargo xtask test-swift` puts the
// generated files into Sources/ (Solace: solace_ffi.swift; solace_ffiFFI: header + module.modulemap)
// and links against the debug libsolace_ffi.so (-L/-rpath passed on the command line).
import PackageDescription

let package = Package(
    name: "SolaceBindings",
    products: [
        .library(name: "Solace", targets: ["Solace"]),
    ],
    targets: [
        .systemLibrary(name: "solace_ffiFFI", path: "Sources/solace_ffiFFI"),
        .target(
            name: "Solace",
            dependencies: ["solace_ffiFFI"],
            path: "Sources/Solace",
            linkerSettings: [.linkedLibrary("solace_ffi")]
        ),
        .testTarget(name: "SolaceTests", dependencies: ["Solace"], path: "Tests/SolaceTests"),
    ]
)
