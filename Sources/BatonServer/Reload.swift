import BatonCore
import BatonIdentity
import BatonPolicy
import BatonSigning
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// What a reload did: the versions before and after, and what an operator should know.
public struct ReloadReport: Sendable {
    public let policyVersion: String
    public let previousPolicyVersion: String
    public let agencies: Int
    public let keys: Int
    public let loadedAt: Date
    public let warnings: [String]

    public var policiesChanged: Bool { policyVersion != previousPolicyVersion }

    var json: JSONValue {
        [
            "policyVersion": .string(policyVersion), "previousPolicyVersion": .string(previousPolicyVersion),
            "policiesChanged": .bool(policiesChanged), "agencies": .number(Double(agencies)), "keys": .number(Double(keys)),
            "loadedAt": .string(RFC3339.format(loadedAt)), "warnings": .array(warnings.map(JSONValue.string)),
        ]
    }
}

extension BatonHub {
    /// Loads the agency registry and the policies again from their folders and puts them in force,
    /// only if every file validates; otherwise nothing changes and the problems are thrown (file,
    /// line and field for each). The new policy version is kept in the store before any decision
    /// can use it. Messages already being decided finish under the rules they started with.
    ///
    /// The identity model and nickname table are not reloaded: the identity index is built from
    /// them, so they take effect at the next start (a reload that finds them changed says so).
    @discardableResult
    public func reload(trigger: String) async throws -> ReloadReport {
        let now = clock.now()
        let loaded: (AgencyRegistry, PolicySet)
        do { loaded = try Self.loadRules(configuration: configuration, now: now) } catch {
            metrics.recordReload(succeeded: false)
            logger.error("reload refused: the files do not validate; the rules in force are unchanged", metadata: [
                "trigger": "\(trigger)", "what": "\(error.what)", "problems": "\(error.errors.errors.count)",
            ])
            throw error
        }
        let (registry, policies) = loaded
        try await Self.keep(policies, in: store, at: now)
        let previousVersion = rules.current.policies.version
        try await store.write { transaction in
            try transaction.apply(.event("rules.reloaded", [
                "trigger": .string(trigger), "policyVersion": .string(policies.version), "previousPolicyVersion": .string(previousVersion),
                "agencies": .number(Double(registry.agencies.count)), "keys": .number(Double(registry.allKeys.count)),
                "registrySha256": .string(Self.registryDigest(registry)),
            ]))
        }
        let previous = rules.replace(with: HubRules(
            registry: registry, policies: policies, configuration: configuration, identity: identity, hubKey: hubKey, identifiers: identifiers,
            loadedAt: now))
        var warnings = policies.warnings.map(\.description)
        if Self.identityFilesDigest(directory: configuration.policiesDirectory) != identityFilesDigest {
            warnings.append("\(IdentityPolicy.modelFile) or \(IdentityPolicy.nicknamesFile) changed: identity matching uses them from the next restart, when the identity index is rebuilt")
        }
        metrics.recordReload(succeeded: true)
        logger.notice("rules reloaded", metadata: [
            "trigger": "\(trigger)", "policyVersion": "\(policies.version.prefix(12))",
            "previousPolicyVersion": "\(previous.policies.version.prefix(12))", "agencies": "\(registry.agencies.count)",
            "keys": "\(registry.allKeys.count)", "warnings": "\(warnings.count)",
        ])
        for warning in warnings { logger.warning("reload warning", metadata: ["problem": "\(warning)"]) }
        return ReloadReport(
            policyVersion: policies.version, previousPolicyVersion: previous.policies.version, agencies: registry.agencies.count,
            keys: registry.allKeys.count, loadedAt: now, warnings: warnings)
    }
}

extension BatonHub {
    /// A digest of what the registry trusts: every agency and key (id, public key thumbprint,
    /// validity, revocation), for the audit log's record of a reload.
    static func registryDigest(_ registry: AgencyRegistry) -> String {
        let lines = registry.allKeys.map { key in
            [key.qualifiedKid, key.publicKey.thumbprint, key.notBefore.map(RFC3339.format) ?? "", key.notAfter.map(RFC3339.format) ?? "", "\(key.revoked)"]
                .joined(separator: " ")
        } + registry.agencies.keys.sorted().map(\.rawValue)
        return Digest.sha256Hex(Array(lines.joined(separator: "\n").utf8))
    }
}

/// Reloads the registry and the policies when the process receives SIGHUP, as daemons do.
struct ReloadOnHangup: Service {
    let hub: BatonHub

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            // A refused reload is logged and leaves the rules in force; the hub keeps running.
            _ = try? await hub.reload(trigger: "SIGHUP")
        }
    }
}
