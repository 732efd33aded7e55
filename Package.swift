// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "baton", targets: ["baton"]),
        .library(name: "BatonCore", targets: ["BatonCore"]),
        .library(name: "BatonSigning", targets: ["BatonSigning"]),
        .library(name: "BatonStore", targets: ["BatonStore"]),
        .library(name: "BatonPolicy", targets: ["BatonPolicy"]),
        .library(name: "BatonIdentity", targets: ["BatonIdentity"]),
        .library(name: "BatonServer", targets: ["BatonServer"]),
        .library(name: "BatonAudit", targets: ["BatonAudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // Domain types and rules of safeguarding. No I/O.
        .target(name: "BatonCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // JWS/JWT verification and signing, the agency key registry, hub keys, receipts.
        .target(
            name: "BatonSigning",
            dependencies: [
                "BatonCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Loading, checking and evaluating policy files: calendar, deadlines, routing, outcomes.
        .target(
            name: "BatonPolicy",
            dependencies: [
                "BatonCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Identity resolution: normalisation, blocking index, Fellegi–Sunter scoring, vetoes, EM.
        .target(
            name: "BatonIdentity",
            dependencies: ["BatonCore", .product(name: "Yams", package: "Yams")]
        ),
        // The tamper-evident audit log's mathematics: RFC 6962 Merkle trees and proofs, signed tree
        // heads, and verifying an exported log offline.
        .target(
            name: "BatonAudit",
            dependencies: ["BatonCore", "BatonSigning", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The storage protocol and its SQLite implementation (GRDB), including the audit log.
        .target(
            name: "BatonStore",
            dependencies: [
                "BatonCore", "BatonAudit", "BatonSigning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The Hummingbird application: API routes, intake pipeline, item workflow, deadline sweeper,
        // push delivery, operations endpoints.
        .target(
            name: "BatonServer",
            dependencies: [
                "BatonCore", "BatonSigning", "BatonStore", "BatonPolicy", "BatonIdentity", "BatonAudit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/web")]
        ),
        // Synthetic (fictional) agencies' traffic for the demo, tests and benchmarks.
        .target(
            name: "BatonSynthetic",
            dependencies: ["BatonCore", "BatonSigning"]
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonCore", "BatonSigning", "BatonStore", "BatonPolicy", "BatonIdentity", "BatonServer", "BatonSynthetic", "BatonAudit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The intake benchmark (benchmarks/intake): a load generator that signs ahead of time and
        // drives a separate `baton serve` process over loopback HTTP.
        .executableTarget(
            name: "baton-bench-intake",
            dependencies: [
                "BatonAudit", "BatonCore", "BatonSigning", "BatonStore", "BatonSynthetic",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "benchmarks/intake/Sources"
        ),
        // What several benchmarks share (machine description, percentiles).
        .target(name: "BenchmarkSupport", path: "benchmarks/Support/Sources"),
        // The items benchmark (benchmarks/items): deadline sweeps and inbox reads over a million items.
        .executableTarget(
            name: "baton-bench-items",
            dependencies: ["BenchmarkSupport", "BatonCore", "BatonStore"],
            path: "benchmarks/items/Sources"
        ),
        // The identity benchmarks (benchmarks/identity): accuracy on FEBRL and synthetic UK
        // children beside Splink, and resolution at a million persons.
        .executableTarget(
            name: "baton-bench-identity",
            dependencies: ["BatonCore", "BatonIdentity", "BatonStore", .product(name: "SwiftCSV", package: "SwiftCSV")],
            path: "benchmarks/identity/Sources"
        ),
        // The need-to-know benchmark (benchmarks/policy): section decisions on a 100-rule policy,
        // beside Cedar (cedarpy) on the same inputs; the shipped policy's share of intake.
        .executableTarget(
            name: "baton-bench-policy",
            dependencies: ["BenchmarkSupport", "BatonCore", "BatonPolicy", "BatonSigning"],
            path: "benchmarks/policy/Sources"
        ),
        // The audit-log benchmark (benchmarks/audit): proofs on a 10,000,000-entry log, exporting
        // and verifying 1,000,000 entries with the real CLI, and the report beside intake on/off.
        .executableTarget(
            name: "baton-bench-audit",
            dependencies: ["BenchmarkSupport", "BatonCore", "BatonAudit", "BatonStore", "BatonSigning", .product(name: "GRDB", package: "GRDB.swift")],
            path: "benchmarks/audit/Sources"
        ),
        // The web UI benchmark (benchmarks/web): the lead's inbox and the auditor's loop-health page
        // over 1,000,000 items, rendered by a real `baton serve` and fetched over loopback HTTP.
        .executableTarget(
            name: "baton-bench-web",
            dependencies: ["BenchmarkSupport", 
                "BatonCore", "BatonStore", "BatonSigning", "BatonIdentity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "benchmarks/web/Sources"
        ),
        .testTarget(name: "BatonCoreTests", dependencies: ["BatonCore", "BatonSynthetic"]),
        .testTarget(name: "BatonIdentityTests", dependencies: ["BatonIdentity", "BatonCore"]),
        .testTarget(name: "BatonPolicyTests", dependencies: ["BatonPolicy", "BatonCore"]),
        .testTarget(
            name: "BatonSigningTests",
            dependencies: ["BatonSigning", "BatonSynthetic", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "BatonStoreTests",
            dependencies: ["BatonStore", "BatonSynthetic", "BatonAudit", "BatonSigning", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "BatonAuditTests", dependencies: ["BatonAudit", "BatonSigning", "BatonCore"]),
        .testTarget(
            name: "BatonServerTests",
            dependencies: [
                "BatonServer", "BatonSynthetic", "BatonAudit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Whole-system tests: the real `baton` executable as a process, killed and restarted; the
        // CLI as an integrator uses it; interoperability with an independent JOSE implementation.
        .testTarget(
            name: "BatonEndToEndTests",
            dependencies: [
                "BatonCore", "BatonSigning", "BatonStore", "BatonSynthetic", "BatonIdentity", "BatonAudit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)
