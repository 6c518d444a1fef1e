// swift-tools-version: 6.2
// Tollgate: staged, statistically judged releases of GenAI models.
import PackageDescription

/// Settings every Tollgate target shares: Swift 6 language mode (strict concurrency)
/// and the upcoming features that keep existentials and imports explicit (an `import` is internal
/// unless written `public import`, so each module's public surface shows what it re-exports).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already in the graph through AsyncHTTPClient; the gateway's own upstream connections use it for https.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already in the graph through Hummingbird; the simulator and gateway name header fields with it.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        // Already in the graph through Hummingbird; every long-running command and server stops gracefully with it.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Domain types and file formats (pipeline, eval suite, drift suite), YAML loading and validation.
        .target(
            name: "TollgateCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // Pure statistics: no I/O, no dependency of ours.
        .target(
            name: "TollgateStats",
            swiftSettings: strictSettings
        ),
        // The judges (Tollgate's, sequential, Kayenta-compatible) and verdict types, built on TollgateStats.
        .target(
            name: "TollgateAnalysis",
            dependencies: ["TollgateStats", "TollgateCore"],
            swiftSettings: strictSettings
        ),
        // Benchmarks of the statistics and judges (benchmarks/stats/run.sh builds it in release).
        .executableTarget(
            name: "tollgate-bench-stats",
            dependencies: ["TollgateStats", "TollgateAnalysis", "TollgateCore"],
            path: "benchmarks/stats/Sources/tollgate-bench-stats",
            swiftSettings: strictSettings
        ),
        // Benchmarks of redaction: throughput against a plain copy and a regex scan, and its cost in a replay
        // (benchmarks/privacy/run.sh builds it in release).
        .executableTarget(
            name: "tollgate-bench-privacy",
            dependencies: ["TollgateCore", "TollgateStore", "TollgateTraffic", "TollgateSimulator", "TollgateEngine",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio")],
            path: "benchmarks/privacy/Sources/tollgate-bench-privacy",
            swiftSettings: strictSettings
        ),
        // SQLite run history: migrations, journal, samples, verdicts, alerts.
        .target(
            name: "TollgateStore",
            dependencies: ["TollgateCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // Reports people read: a typed model of a run built from the store, rendered as HTML (inline SVG), Markdown or JSON.
        .target(
            name: "TollgateReport",
            dependencies: ["TollgateCore", "TollgateStats", "TollgateStore"],
            swiftSettings: strictSettings
        ),
        // Model API clients, SSE parsing, error classes, replay scheduler.
        .target(
            name: "TollgateTraffic",
            dependencies: [
                "TollgateCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // An OpenAI-compatible model server simulator with fault injection, for tests, the demo and rehearsals.
        .target(
            name: "TollgateSimulator",
            dependencies: [
                "TollgateCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The rollout engine: stages, routers that move traffic, metric sources, judge, rollback rules.
        .target(
            name: "TollgateEngine",
            dependencies: [
                "TollgateCore", "TollgateStats", "TollgateAnalysis", "TollgateEval", "TollgateStore", "TollgateTraffic",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // HTTP services: the traffic gateway (weighted split, mirroring, sample capture), admin API, metrics.
        .target(
            name: "TollgateServer",
            dependencies: [
                "TollgateCore", "TollgateEngine", "TollgateEval", "TollgateStore", "TollgateTraffic", "TollgateReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // `tollgate demo`: simulated model versions and a gateway on loopback ports, and a full rollout through them.
        // Apart from the server so the production server does not link the simulator.
        .target(
            name: "TollgateDemo",
            dependencies: [
                "TollgateCore", "TollgateEngine", "TollgateServer", "TollgateSimulator", "TollgateStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Eval suites (scorers, paired quality comparison, compatibility checks) and drift suites.
        .target(
            name: "TollgateEval",
            dependencies: [
                "TollgateCore", "TollgateStats", "TollgateTraffic", "TollgateStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The command-line tool: argument parsing and output formatting only.
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore", "TollgateStats", "TollgateAnalysis", "TollgateStore", "TollgateTraffic", "TollgateSimulator",
                "TollgateEngine", "TollgateServer", "TollgateDemo", "TollgateEval", "TollgateReport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Shared helpers for tests: child processes, temporary folders, waiting with deadlines.
        .target(
            name: "TollgateTestSupport",
            path: "Tests/TollgateTestSupport",
            swiftSettings: strictSettings
        ),
        // A child process the store tests run twice at once, or SIGKILL mid-batch.
        .executableTarget(
            name: "tollgate-store-probe",
            dependencies: ["TollgateStore", "TollgateCore"],
            path: "Tests/StoreProbe",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateStoreTests",
            dependencies: ["TollgateStore", "TollgateCore", "TollgateTestSupport", "tollgate-store-probe", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateCLITests",
            dependencies: ["TollgateCore", "TollgateStore", "TollgateTestSupport", "tollgate",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateCoreTests",
            dependencies: ["TollgateCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateStatsTests",
            dependencies: ["TollgateStats", "TollgateTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateAnalysisTests",
            dependencies: ["TollgateAnalysis", "TollgateStats", "TollgateCore", "TollgateTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateTrafficTests",
            dependencies: [
                "TollgateTraffic", "TollgateSimulator", "TollgateCore", "TollgateTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateSimulatorTests",
            dependencies: [
                "TollgateSimulator", "TollgateCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateEngineTests",
            dependencies: [
                "TollgateEngine", "TollgateCore", "TollgateAnalysis", "TollgateStats", "TollgateStore", "TollgateSimulator", "TollgateTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Routers/Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateServerTests",
            dependencies: [
                "TollgateServer", "TollgateEngine", "TollgateCore", "TollgateTraffic", "TollgateSimulator", "TollgateStore", "TollgateTestSupport", "tollgate",
                "TollgateReport", "TollgateDemo",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateReportTests",
            dependencies: ["TollgateReport", "TollgateStore", "TollgateCore", "TollgateTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TollgateEvalTests",
            dependencies: [
                "TollgateEval", "TollgateSimulator", "TollgateTraffic", "TollgateStore", "TollgateStats", "TollgateCore",
                "TollgateTestSupport", "tollgate",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
