// swift-tools-version:6.0
// The macOS companion of mhv: MhvKit (JSON-RPC client, offline cache, notification planner; builds and
// tests on Linux and macOS), the `mhv-companion` command line, and the SwiftUI menu-bar app (macOS only).
import PackageDescription

let products: [Product] = [
    .library(name: "MhvKit", targets: ["MhvKit"]),
    .executable(name: "mhv-companion", targets: ["mhv-companion"]),
    .executable(name: "MhvCompanion", targets: ["MhvCompanion"]),
]
let targets: [Target] = [
    .target(name: "MhvKit"),
    .executableTarget(name: "mhv-companion", dependencies: ["MhvKit"]),
    // The SwiftUI menu-bar app: its sources are guarded with `#if canImport(SwiftUI)`, so on Linux it
    // builds to a note that points at mhv-companion and everything else builds and tests as usual.
    .executableTarget(name: "MhvCompanion", dependencies: ["MhvKit"]),
    .testTarget(name: "MhvKitTests", dependencies: ["MhvKit"]),
    .testTarget(name: "MhvIntegrationTests", dependencies: ["MhvKit"]),
]

let package = Package(
    name: "companion-mac",
    platforms: [.macOS(.v13)],
    products: products,
    targets: targets
)
