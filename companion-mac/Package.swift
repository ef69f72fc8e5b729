// swift-tools-version:6.0
// The macOS companion of mhv: MhvKit (JSON-RPC client, offline cache, notification planner; builds and
// tests on Linux and macOS), the `mhv-companion` command line, and the SwiftUI menu-bar app (macOS only).
import PackageDescription

var products: [Product] = [
    .library(name: "MhvKit", targets: ["MhvKit"]),
    .executable(name: "mhv-companion", targets: ["mhv-companion"]),
]
var targets: [Target] = [
    .target(name: "MhvKit"),
    .executableTarget(name: "mhv-companion", dependencies: ["MhvKit"]),
    .testTarget(name: "MhvKitTests", dependencies: ["MhvKit"]),
    .testTarget(name: "MhvIntegrationTests", dependencies: ["MhvKit"]),
]

#if os(macOS)
// The menu-bar app needs SwiftUI's MenuBarExtra (macOS 13+): Linux never sees this target.
products.append(.executable(name: "MhvCompanion", targets: ["MhvCompanion"]))
targets.append(.executableTarget(name: "MhvCompanion", dependencies: ["MhvKit"]))
#endif

let package = Package(
    name: "companion-mac",
    platforms: [.macOS(.v13)],
    products: products,
    targets: targets
)
