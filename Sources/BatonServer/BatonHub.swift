import AsyncHTTPClient
import BatonAudit
import BatonCore
import BatonIdentity
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// A configuration folder the hub cannot start with: which one, and every problem in it.
public struct StartupProblem: Error, CustomStringConvertible {
    public let what: String
    public let errors: ConfigurationErrors
    public var description: String { "\(what):\n\(errors)" }
}

/// One running hub: its registry, policies, store, keys, HTTP application and background work.
///
/// ```swift
/// let hub = try BatonHub.open(configuration: configuration, logger: logger)
/// try await hub.application().runService()
/// try await hub.close()
/// ```
public final class BatonHub: Sendable {
    public let configuration: HubConfiguration
    public let store: any HubStore
    public let hubKey: HubKey
    public let clock: any HubClock
    public let intake: IntakeService
    public let sweeper: DeadlineSweeper
    public let deliveries: DeliveryWorker
    public let metrics: HubMetrics
    public let prometheus: PrometheusCollectorRegistry
    public let logger: Logger
    let identity: IdentityService
    let identifiers: any IdentifierSource
    /// The registry and policies in force; ``reload(trigger:)`` replaces them.
    let rules: LiveRules
    /// A digest of the identity model and nickname files the identity index was built with.
    let identityFilesDigest: String

    public var registry: AgencyRegistry { rules.current.registry }
    public var policies: PolicySet { rules.current.policies }
    public var verifier: JWSVerifier { rules.current.verifier }
    var workflow: ItemWorkflow { rules.current.workflow }
    var views: ItemViews { rules.current.views }

    public init(
        configuration: HubConfiguration, registry: AgencyRegistry, policies: PolicySet, identityPolicy: IdentityPolicy, store: any HubStore,
        hubKey: HubKey, clock: any HubClock = SystemClock(), identifiers: any IdentifierSource = TimeOrderedIdentifiers(), metrics: HubMetrics,
        prometheus: PrometheusCollectorRegistry, httpClient: HTTPClient = .shared, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.hubKey = hubKey
        self.clock = clock
        self.metrics = metrics
        self.prometheus = prometheus
        self.logger = logger
        self.identifiers = identifiers
        let identity = IdentityService(model: identityPolicy.model, nicknames: identityPolicy.nicknames, identifiers: identifiers)
        self.identity = identity
        self.identityFilesDigest = Self.identityFilesDigest(directory: configuration.policiesDirectory)
        let rules = LiveRules(HubRules(
            registry: registry, policies: policies, configuration: configuration, identity: identity, hubKey: hubKey, identifiers: identifiers,
            loadedAt: clock.now()))
        self.rules = rules
        self.intake = IntakeService(
            rules: rules, store: store, clock: clock, clockSkew: configuration.clockSkew, metrics: metrics, logger: logger)
        self.sweeper = DeadlineSweeper(store: store, rules: rules, clock: clock, logger: logger, metrics: metrics)
        self.deliveries = DeliveryWorker(
            store: store, rules: rules, hubKey: hubKey, clock: clock, client: httpClient, logger: logger, metrics: metrics)
    }

    /// Loads the registry and the policies (all-or-nothing), opens the SQLite store and the hub
    /// key (creating the key on first start), and rebuilds the identity index from the store.
    public static func open(
        configuration: HubConfiguration, clock: any HubClock = SystemClock(), identifiers: any IdentifierSource = TimeOrderedIdentifiers(),
        logger: Logger, prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) async throws -> BatonHub {
        let (registry, policies) = try loadRules(configuration: configuration, now: clock.now())
        let identityPolicy: IdentityPolicy
        do { identityPolicy = try IdentityPolicy.load(directory: configuration.policiesDirectory) } catch {
            throw StartupProblem(what: "the identity policy at \(configuration.policiesDirectory)", errors: error)
        }
        for warning in policies.warnings {
            logger.warning("policy warning", metadata: ["problem": "\(warning)"])
        }
        let (hubKey, created) = try HubKey.loadOrCreate(path: configuration.resolvedHubKeyPath)
        if created {
            logger.notice("created the hub signing key", metadata: ["kid": "\(hubKey.kid)", "path": "\(configuration.resolvedHubKeyPath)"])
        }
        let metrics = HubMetrics(factory: PrometheusMetricsFactory(registry: prometheus))
        let signer: TreeHeadSigner? = configuration.auditLog
            ? { @Sendable size, root, at in try SignedTreeHead(size: size, root: root, at: at).sign(with: hubKey) } : nil
        if !configuration.auditLog {
            logger.warning("the audit log is OFF: nothing this hub does can be proven afterwards (use only to measure its cost)")
        }
        let store = try SQLiteStore(
            path: configuration.database, logger: logger, observeBatch: { metrics.recordCommitBatch(size: $0.size, duration: $0.duration) },
            observeSync: { metrics.recordSync(duration: $0) }, treeHeadSigner: signer, now: { clock.now() })
        logger.info("hub opened", metadata: [
            "agencies": "\(registry.agencies.count)", "keys": "\(registry.allKeys.count)", "hubKid": "\(hubKey.kid)",
            "policyVersion": "\(policies.version.prefix(12))",
        ])
        let hub = BatonHub(
            configuration: configuration, registry: registry, policies: policies, identityPolicy: identityPolicy, store: store, hubKey: hubKey,
            clock: clock, identifiers: identifiers, metrics: metrics, prometheus: prometheus, logger: logger)
        let started = ContinuousClock.now
        let records: Int
        do {
            try await keep(policies, in: store, at: clock.now())
            records = try await hub.identity.rebuild(from: store)
        } catch {
            try? await store.close()
            throw error
        }
        logger.info("identity index rebuilt", metadata: [
            "records": "\(records)", "persons": "\(hub.identity.index.personCount)", "duration": "\(ContinuousClock.now - started)",
        ])
        return hub
    }

    /// The registry and the policies, loaded and checked together (all-or-nothing).
    static func loadRules(configuration: HubConfiguration, now: Date) throws(StartupProblem) -> (AgencyRegistry, PolicySet) {
        let registry: AgencyRegistry
        do { registry = try AgencyRegistry.load(directory: configuration.agenciesDirectory) } catch {
            throw StartupProblem(what: "the agency registry at \(configuration.agenciesDirectory)", errors: error)
        }
        do {
            return (registry, try PolicySet.load(directory: configuration.policiesDirectory, agencies: Array(registry.agencies.values), now: now))
        } catch {
            throw StartupProblem(what: "the policies at \(configuration.policiesDirectory)", errors: error)
        }
    }

    /// Every policy version the hub runs stays in the store, so a decision can be read with the
    /// rules that made it.
    static func keep(_ policies: PolicySet, in store: any HubStore, at now: Date) async throws {
        let files = JSONValue.object(JSONObject(policies.files.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: .string($0.value)) }))
        let version = policies.version
        try await store.write { try $0.apply(.policyVersion(version, at: now, files: files.serializedString())) }
    }

    static func identityFilesDigest(directory: String) -> String {
        var data = Data()
        for name in [IdentityPolicy.modelFile, IdentityPolicy.nicknamesFile] {
            data.append(FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) ?? Data())
            data.append(0)
        }
        return Digest.sha256Hex(Array(data))
    }

    /// The background work of a running hub: the deadline sweeper, push delivery, and reloading
    /// the registry and policies on SIGHUP.
    public func backgroundServices() -> [any Service] {
        guard configuration.runsBackgroundWork else { return [] }
        return [
            SweeperService(sweeper: sweeper, interval: configuration.sweepInterval, logger: logger),
            CheckpointService(hub: self, interval: configuration.checkpointInterval),
            DeliveryService(worker: deliveries, interval: configuration.deliveryInterval, logger: logger),
            ReloadOnHangup(hub: self),
        ]
    }

    /// The agency a read request's bearer token authenticates, and the role it reads in (which
    /// `policies/access.yaml` must allow the agency).
    func authenticate(_ request: Request) throws -> BearerIdentity {
        guard let header = request.headers[.authorization] else { throw Problem(BearerTokenError.missing) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem(BearerTokenError.missing) }
        let rules = self.rules.current
        let identity: BearerIdentity
        do { identity = try rules.verifier.verifyBearer(String(parts[1]).trimmed, at: clock.now()) } catch { throw Problem(error) }
        let role = identity.role ?? .lead
        guard rules.policies.access.allows(identity.agency, as: role) else {
            throw Problem(.notPermitted, "Your agency may not act in the role '\(role.rawValue)' (policies/access.yaml).")
        }
        return identity
    }

    /// As ``authenticate(_:)``, for functions that need the token to name `role`.
    func authenticate(_ request: Request, as role: StaffRole) throws -> BearerIdentity {
        let identity = try authenticate(request)
        guard identity.role == role else {
            throw Problem(.notPermitted, "This needs a bearer token with \"role\": \"\(role.rawValue)\" from an agency policies/access.yaml lists for that role.")
        }
        return identity
    }

    public func router() -> Hummingbird.Router<BasicRequestContext> {
        // Middleware applies to routes added after it, but the 405 answer needs the route table:
        // register once on a probe router to read the table, then for real.
        let probe = Hummingbird.Router(context: BasicRequestContext.self)
        registerRoutes(on: probe)
        let router = Hummingbird.Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(methods: RouteMethods(probe.routes.map { ($0.path.description, $0.method) })))
        registerRoutes(on: router)
        return router
    }

    func registerRoutes(on router: Hummingbird.Router<BasicRequestContext>) {
        MessageRoutes(hub: self).register(on: router)
        ItemRoutes(hub: self).register(on: router)
        DiscussionRoutes(hub: self).register(on: router)
        PersonRoutes(hub: self).register(on: router)
        OperationsRoutes(hub: self).register(on: router)
        OversightRoutes(hub: self).register(on: router)
        AuditRoutes(hub: self).register(on: router)
        WebUI(hub: self).register(on: router)
    }

    /// The HTTP application, listening on the configured host and port, running `services`
    /// beside it (they are shut down with it).
    public func application(
        services: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "baton"),
            services: backgroundServices() + services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Commits what is queued and closes the store.
    public func close() async throws {
        try await store.close()
    }
}
