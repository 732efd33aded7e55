import ArgumentParser
import BatonCore
import BatonServer
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus

/// Options shared by `serve` and `demo`.
struct HubOptions: ParsableArguments {
    @Option(help: "Address to listen on (env BATON_HOST; default 127.0.0.1). Keep it on loopback behind a TLS reverse proxy.")
    var host: String?

    @Option(help: "Port to listen on (env BATON_PORT; default 8080).")
    var port: Int?

    @Option(help: "Agency registry folder of *.yaml files (env BATON_AGENCIES; default ./agencies).")
    var agencies: String?

    @Option(help: "Policy folder (env BATON_POLICIES; default ./policies).")
    var policies: String?

    @Option(help: "SQLite database file (env BATON_DATABASE; default ./baton.sqlite).")
    var database: String?

    @Option(name: .customLong("hub-key"), help: "The hub's signing key (env BATON_HUB_KEY; default <database>.hub-key.jwk, created on first start).")
    var hubKey: String?

    @Option(name: .customLong("max-payload-bytes"), help: "Largest accepted message payload in bytes (env BATON_MAX_PAYLOAD_BYTES; default 262144).")
    var maxPayloadBytes: Int?

    @Option(name: .customLong("clock-skew"), help: "Allowed difference between a message's sentAt and the hub's clock, in seconds (env BATON_CLOCK_SKEW; default 300).")
    var clockSkew: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env BATON_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(name: .customLong("sweep-interval"), help: "Seconds between deadline sweeps (env BATON_SWEEP_INTERVAL; default 5).")
    var sweepInterval: Int?

    @Option(name: .customLong("checkpoint-interval"), help: "Seconds between published audit-log checkpoints (env BATON_CHECKPOINT_INTERVAL; default 60).")
    var checkpointInterval: Int?

    @Option(name: .customLong("session-idle-timeout"), help: "Web UI: seconds without a request after which a session ends (env BATON_SESSION_IDLE_TIMEOUT; default 900).")
    var sessionIdleTimeout: Int?

    @Option(name: .customLong("session-max-age"), help: "Web UI: seconds after sign-in after which a session ends however active (env BATON_SESSION_MAX_AGE; default 43200).")
    var sessionMaxAge: Int?

    @Option(name: .customLong("max-failed-sign-ins"), help: "Web UI: failed sign-ins in a row that lock an account (env BATON_MAX_FAILED_SIGN_INS; default 5).")
    var maxFailedSignIns: Int?

    @Option(name: .customLong("lockout"), help: "Web UI: seconds a locked account stays locked; 'baton users reset' unlocks at once (env BATON_LOCKOUT; default 900).")
    var lockout: Int?

    @Option(name: .customLong("audit-log"), help: ArgumentHelp("on (the default) or off. Off only to measure what the audit log costs: a hub without it cannot prove what it did.", visibility: .hidden))
    var auditLog: String?

    func configuration(defaultDatabase: String = "./baton.sqlite") throws -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.host = Environment.value(host, "BATON_HOST", default: configuration.host)
        configuration.port = try integer(port, "BATON_PORT", default: configuration.port, range: 0...65535, name: "port")
        configuration.agenciesDirectory = Environment.value(agencies, "BATON_AGENCIES", default: configuration.agenciesDirectory)
        configuration.policiesDirectory = Environment.value(policies, "BATON_POLICIES", default: configuration.policiesDirectory)
        configuration.database = Environment.value(database, "BATON_DATABASE", default: defaultDatabase)
        configuration.hubKeyPath = Environment.value(hubKey, "BATON_HUB_KEY")
        configuration.maxPayloadBytes = try integer(maxPayloadBytes, "BATON_MAX_PAYLOAD_BYTES", default: configuration.maxPayloadBytes, range: 1024...(16 * 1024 * 1024), name: "max-payload-bytes")
        configuration.clockSkew = TimeInterval(try integer(clockSkew, "BATON_CLOCK_SKEW", default: Int(configuration.clockSkew), range: 1...3600, name: "clock-skew"))
        configuration.sweepInterval = .seconds(try integer(sweepInterval, "BATON_SWEEP_INTERVAL", default: 5, range: 1...3600, name: "sweep-interval"))
        configuration.checkpointInterval = .seconds(
            try integer(checkpointInterval, "BATON_CHECKPOINT_INTERVAL", default: 60, range: 1...86_400, name: "checkpoint-interval"))
        configuration.web.idleTimeout = TimeInterval(
            try integer(sessionIdleTimeout, "BATON_SESSION_IDLE_TIMEOUT", default: 900, range: 1...86_400, name: "session-idle-timeout"))
        configuration.web.maxAge = TimeInterval(try integer(sessionMaxAge, "BATON_SESSION_MAX_AGE", default: 43_200, range: 60...604_800, name: "session-max-age"))
        configuration.web.maxFailedSignIns = try integer(maxFailedSignIns, "BATON_MAX_FAILED_SIGN_INS", default: 5, range: 1...100, name: "max-failed-sign-ins")
        configuration.web.lockout = TimeInterval(try integer(lockout, "BATON_LOCKOUT", default: 900, range: 1...86_400, name: "lockout"))
        switch Environment.value(auditLog, "BATON_AUDIT_LOG", default: "on") {
        case "on": configuration.auditLog = true
        case "off": configuration.auditLog = false
        default: throw CLIError("--audit-log must be on or off", exitCode: 78)
        }
        if configuration.database.hasPrefix("postgres://") || configuration.database.hasPrefix("postgresql://") {
            throw CLIError("PostgreSQL is not supported by this version yet; give a SQLite file path for --database", exitCode: 78)
        }
        return configuration
    }

    func integer(_ option: Int?, _ variable: String, default defaultValue: Int, range: ClosedRange<Int>, name: String) throws -> Int {
        let value: Int
        if let option {
            value = option
        } else if let text = ProcessInfo.processInfo.environment[variable] {
            guard let parsed = Int(text) else { throw CLIError("\(variable) must be a whole number", exitCode: 78) }
            value = parsed
        } else {
            value = defaultValue
        }
        guard range.contains(value) else { throw CLIError("--\(name) must be between \(range.lowerBound) and \(range.upperBound)", exitCode: 78) }
        return value
    }

    func level() throws -> Logger.Level {
        let text = Environment.value(logLevel, "BATON_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: text) else {
            throw CLIError("--log-level must be one of trace, debug, info, notice, warning, error, critical", exitCode: 78)
        }
        return level
    }
}

/// Process-wide set-up done once, by the executable only: log output, the metrics backend, and
/// running Swift concurrency on SwiftNIO's event loops.
enum Bootstrap {
    static func run(level: Logger.Level, prometheus: PrometheusCollectorRegistry) -> Logger {
        // Request handlers then run on the event loop threads that also do the socket I/O, instead
        // of hopping to a separate thread pool and back for every request.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
        return Logger(label: "baton")
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hub.",
        discussion: """
            Loads the agency registry (stopping with every problem listed if any file is
            wrong), opens the SQLite database (creating it if needed) and the hub's
            signing key (creating it on first start), then serves the API until SIGTERM
            or SIGINT, finishing requests in flight first.

            Example:
              baton serve --host 127.0.0.1 --port 8080 --agencies ./agencies --policies ./policies --database ./baton.sqlite
            """)

    @OptionGroup var options: HubOptions

    func run() async throws {
        try await reportingErrors {
            let configuration = try options.configuration()
            let prometheus = PrometheusCollectorRegistry()
            let logger = Bootstrap.run(level: try options.level(), prometheus: prometheus)
            let hub: BatonHub
            do {
                hub = try await BatonHub.open(configuration: configuration, logger: logger, prometheus: prometheus)
            } catch let problem as StartupProblem {
                throw Output.configurationErrors(problem.errors, what: problem.what)
            }
            let app = hub.application { port in
                logger.notice("listening", metadata: ["address": "http://\(configuration.host):\(port)"])
            }
            do {
                try await app.runService()
            } catch {
                try? await hub.close()
                throw CLIError("the server stopped: \(error)")
            }
            try await hub.close()
            logger.notice("stopped")
        }
    }
}
