import BatonCore
import BatonPolicy
import BatonSigning
import Foundation
import Synchronization

/// The agency registry and the policies a hub runs with, and everything built from them. A reload
/// replaces the whole set at once (``LiveRules``), so a message is decided under one registry and
/// one policy version from its signature check to its receipt.
struct HubRules: Sendable {
    let registry: AgencyRegistry
    let policies: PolicySet
    let verifier: JWSVerifier
    let workflow: ItemWorkflow
    let disclosure: Disclosure
    let views: ItemViews
    let pipeline: IntakePipeline
    /// When this set was loaded.
    let loadedAt: Date

    init(
        registry: AgencyRegistry, policies: PolicySet, configuration: HubConfiguration, identity: IdentityService, hubKey: HubKey,
        identifiers: any IdentifierSource, loadedAt: Date
    ) {
        self.registry = registry
        self.policies = policies
        self.loadedAt = loadedAt
        verifier = JWSVerifier(registry: registry, maxPayloadBytes: configuration.maxPayloadBytes, clockSkew: configuration.clockSkew)
        workflow = ItemWorkflow(policies: policies, registry: registry, identifiers: identifiers)
        disclosure = Disclosure(registry: registry, policies: policies)
        views = ItemViews(disclosure: disclosure, policies: policies, registry: registry)
        let router = MessageRouter(policy: policies.routing, agencies: Array(registry.agencies.values))
        pipeline = IntakePipeline(
            cases: CaseIntake(workflow: workflow, identity: identity, router: router),
            replies: ReplyIntake(workflow: workflow, router: router), hubKey: hubKey, registry: registry, disclosure: disclosure,
            auditLog: configuration.auditLog)
    }
}

/// The rules in force, replaced whole by a reload. Readers take ``current`` once per unit of work
/// (one message, one read, one sweep) and use that snapshot throughout.
final class LiveRules: Sendable {
    private let state: Mutex<HubRules>

    init(_ rules: HubRules) { state = Mutex(rules) }

    var current: HubRules { state.withLock { $0 } }

    /// Puts `rules` in force and returns the set it replaced.
    @discardableResult
    func replace(with rules: HubRules) -> HubRules {
        state.withLock { current in
            let previous = current
            current = rules
            return previous
        }
    }
}
