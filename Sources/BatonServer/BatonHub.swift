import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// One running hub: its registry, store, keys and HTTP application.
///
/// ```swift
/// let hub = try BatonHub.open(configuration: configuration, logger: logger)
/// try await hub.application().runService()
/// try await hub.close()
/// ```
public final class BatonHub: Sendable {
    public let configuration: HubConfiguration
    public let registry: AgencyRegistry
    public let store: any MessageStore
    public let hubKey: HubKey
    public let clock: any HubClock
    public let verifier: JWSVerifier
    public let intake: IntakeService
    public let metrics: HubMetrics
    public let prometheus: PrometheusCollectorRegistry
    public let logger: Logger

    public init(
        configuration: HubConfiguration, registry: AgencyRegistry, store: any MessageStore, hubKey: HubKey,
        clock: any HubClock = SystemClock(), metrics: HubMetrics, prometheus: PrometheusCollectorRegistry, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.hubKey = hubKey
        self.clock = clock
        self.metrics = metrics
        self.prometheus = prometheus
        self.logger = logger
        self.verifier = JWSVerifier(registry: registry, maxPayloadBytes: configuration.maxPayloadBytes, clockSkew: configuration.clockSkew)
        self.intake = IntakeService(
            verifier: verifier, store: store, hubKey: hubKey, clock: clock, clockSkew: configuration.clockSkew,
            metrics: metrics, logger: logger)
    }

    /// Loads the registry (all-or-nothing), opens the SQLite store and the hub key (creating the
    /// key on first start).
    public static func open(
        configuration: HubConfiguration, clock: any HubClock = SystemClock(), logger: Logger,
        prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) throws -> BatonHub {
        let registry = try AgencyRegistry.load(directory: configuration.agenciesDirectory)
        let (hubKey, created) = try HubKey.loadOrCreate(path: configuration.resolvedHubKeyPath)
        if created {
            logger.notice("created the hub signing key", metadata: ["kid": "\(hubKey.kid)", "path": "\(configuration.resolvedHubKeyPath)"])
        }
        let metrics = HubMetrics(factory: PrometheusMetricsFactory(registry: prometheus))
        let store = try SQLiteStore(path: configuration.database, logger: logger, observeBatch: { metrics.recordCommitBatch($0) })
        logger.info("hub opened", metadata: [
            "agencies": "\(registry.agencies.count)", "keys": "\(registry.allKeys.count)", "hubKid": "\(hubKey.kid)",
        ])
        return BatonHub(
            configuration: configuration, registry: registry, store: store, hubKey: hubKey, clock: clock, metrics: metrics,
            prometheus: prometheus, logger: logger)
    }

    /// The agency a read request's bearer token authenticates.
    func authenticate(_ request: Request) throws -> BearerIdentity {
        guard let header = request.headers[.authorization] else { throw Problem(BearerTokenError.missing) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem(BearerTokenError.missing) }
        do {
            return try verifier.verifyBearer(String(parts[1]).trimmingCharacters(in: .whitespaces), at: clock.now())
        } catch {
            throw Problem(error)
        }
    }

    public func router() -> Router<BasicRequestContext> {
        // Middleware applies to routes added after it, but the 405 answer needs the route table:
        // register once on a probe router to read the table, then for real.
        let probe = Router(context: BasicRequestContext.self)
        registerRoutes(on: probe)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(methods: RouteMethods(probe.routes.map { ($0.path.description, $0.method) })))
        registerRoutes(on: router)
        return router
    }

    func registerRoutes(on router: Router<BasicRequestContext>) {
        MessageRoutes(hub: self).register(on: router)
        OperationsRoutes(hub: self).register(on: router)
    }

    /// The HTTP application, listening on the configured host and port, running `services`
    /// beside it (they are shut down with it).
    public func application(
        services: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "baton"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Commits what is queued and closes the store.
    public func close() async throws {
        try await store.close()
    }
}
