// swift-tools-version:6.1
// The NIO floor: the least a Swift proxy built on SwiftNIO adds to a call on this host. Not part of the product and
// not built by CI; bench/floor.sh builds and runs it (docs/PERFORMANCE.md, "The NIO floor").
import PackageDescription

let package = Package(
    name: "nio-floor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0")
    ],
    targets: [
        .executableTarget(
            name: "nio-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ])
    ],
    swiftLanguageModes: [.v5]
)
