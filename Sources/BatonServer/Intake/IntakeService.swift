import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Logging

/// Where a message enters Baton (DESIGN.md, "The flow of one message").
///
/// `submit` verifies the signature against the registry, parses and validates the payload,
/// checks the sender is the signing agency and the clock, then hands the exact bytes to the store.
/// Inside the transaction that stores them, ``IntakePipeline`` decides everything about the message
/// (who it is about, where it goes, which item a reply acts on) and signs the receipt; the store
/// commits all of it durably before anything is returned. Every refusal is a ``Problem`` that
/// names the rule, never the data.
public struct IntakeService: Sendable {
    public enum Outcome: Sendable {
        /// Stored now (HTTP 202).
        case accepted(StoredMessage)
        /// Exactly these bytes were stored before (HTTP 200, original receipt).
        case duplicate(StoredMessage)

        public var stored: StoredMessage {
            switch self {
            case .accepted(let message), .duplicate(let message): message
            }
        }
    }

    /// The registry and policies in force: each message is checked and decided under the set
    /// current when it arrives.
    let rules: LiveRules
    let store: any HubStore
    let clock: any HubClock
    let clockSkew: TimeInterval
    let metrics: HubMetrics
    let logger: Logger

    init(rules: LiveRules, store: any HubStore, clock: any HubClock, clockSkew: TimeInterval, metrics: HubMetrics, logger: Logger) {
        self.rules = rules
        self.store = store
        self.clock = clock
        self.clockSkew = clockSkew
        self.metrics = metrics
        self.logger = logger
    }

    public func submit(_ body: [UInt8]) async throws -> Outcome {
        let started = ContinuousClock.now
        do {
            let outcome = try await process(body)
            let stored = outcome.stored
            switch outcome {
            case .accepted: metrics.recordAccepted(duration: ContinuousClock.now - started)
            case .duplicate: metrics.recordDuplicate()
            }
            logger.info("message received", metadata: [
                "outcome": "\(outcome.isDuplicate ? "duplicate" : "accepted")", "agency": "\(stored.sender)",
                "kid": "\(stored.senderKid)", "messageId": "\(stored.messageId)", "kind": "\(stored.kind.rawValue)",
                "sequence": "\(stored.sequence)",
            ])
            return outcome
        } catch let problem as Problem {
            metrics.recordRejected(problem.type)
            logger.notice("message refused", metadata: ["problem": "\(problem.type.rawValue)", "status": "\(problem.status.code)"])
            throw problem
        }
    }

    func process(_ body: [UInt8]) async throws -> Outcome {
        let now = clock.now()
        let rules = self.rules.current
        let verified: VerifiedJWS
        do { verified = try rules.verifier.verifyMessage(body, at: now) } catch { throw Problem(error) }

        let payload: JSONValue
        do { payload = try StrictJSON.parse(verified.payload) } catch {
            throw Problem(.malformedJSON, "The JWS payload is not valid JSON: \(error).")
        }
        // Who may speak for whom comes before whether the message is well formed.
        if let claimed = payload.objectValue?["from"]?.objectValue?["agency"]?.stringValue, claimed != verified.key.agency.rawValue {
            throw Problem(.agencyMismatch,
                "from.agency names another agency than the one that owns the signing key '\(verified.key.qualifiedKid)'.",
                errors: [ValidationProblem(pointer: "/from/agency", problem: "must be \(verified.key.agency)")])
        }
        let message = try Self.validated(payload)

        let incoming = IncomingMessage(
            sender: verified.key.agency, messageId: message.messageId, kind: message.kind, senderKid: verified.key.qualifiedKid,
            sentAt: message.sentAt, receivedAt: now, jws: body, sha256: Digest.sha256Hex(body))

        let skew = message.sentAt.timeIntervalSince(now)
        if abs(skew) > clockSkew {
            // A retry of a message already receipted is answered with its receipt, however late.
            if let existing = try await storeCall({ try await store.message(from: incoming.sender, id: incoming.messageId) }),
                existing.sha256 == incoming.sha256
            {
                try await storeCall { try await store.waitUntilDurable() }
                return .duplicate(existing)
            }
            let minutes = Int((abs(skew) / 60).rounded())
            throw Problem(.clockSkew,
                "sentAt is about \(minutes) minute\(minutes == 1 ? "" : "s") \(skew > 0 ? "ahead of" : "behind") the hub's clock; at most \(Int(clockSkew)) seconds is allowed.",
                errors: [ValidationProblem(pointer: "/sentAt", problem: "is outside the allowed clock skew")])
        }

        let pipeline = rules.pipeline
        // Identity scoring runs here, in parallel with other requests; the writer only brings it up
        // to date (IdentityService.link).
        let prepared: [String: IdentityService.PreparedMention]
        do { prepared = try pipeline.prepare(message) } catch {
            throw Problem(.internalError, "The hub could not prepare the message's people for matching; nothing was stored.")
        }
        let result: IntakeResult
        do {
            result = try await storeCall {
                try await store.accept(incoming) { incoming, sequence, transaction in
                    try pipeline.decide(message, incoming: incoming, sequence: sequence, in: transaction, prepared: prepared)
                }
            }
        } catch {
            pipeline.settle(incoming, committed: false)
            throw error
        }
        pipeline.settle(incoming, committed: true)
        switch result {
        case .accepted(let stored): return .accepted(stored)
        case .duplicate(let stored): return .duplicate(stored)
        case .conflict:
            throw Problem(.messageIdConflict,
                "Your agency already sent different content with messageId \(incoming.messageId). Resend the identical JWS to get its receipt, or use a new messageId.")
        }
    }

    /// A person's action in the web UI (acknowledge, reject, update, outcome, a discussion's
    /// record), taken through the same pipeline as a signed reply from their agency's system: the
    /// payload is what that system would have signed, validated by the same rules and decided by
    /// the same code, with the person as the actor. The hub, which authenticated the person,
    /// signs the bytes kept (`typ: baton-person-action`); the sender key is `<agency>/web:<user>`.
    /// Returns the stored message (its summary says what became of the item).
    public func act(_ payload: JSONValue, as actor: Actor, user: String) async throws -> StoredMessage {
        let now = clock.now()
        let rules = self.rules.current
        let message = try Self.validated(payload)
        guard !message.isCaseMessage, let agency = actor.agency, message.from.agency == agency else {
            throw Problem(.badRequest, "Only replies about your agency's items can be made in the web UI.")
        }
        let jws = Array(try rules.pipeline.hubKey.sign(payload, type: .personAction).utf8)
        let incoming = IncomingMessage(
            sender: agency, messageId: message.messageId, kind: message.kind, senderKid: "\(agency)/web:\(user)",
            sentAt: message.sentAt, receivedAt: now, jws: jws, sha256: Digest.sha256Hex(jws))
        let pipeline = rules.pipeline
        let result = try await storeCall {
            try await store.accept(incoming) { incoming, sequence, transaction in
                try pipeline.decide(message, incoming: incoming, sequence: sequence, in: transaction, actor: actor)
            }
        }
        switch result {
        case .accepted(let stored), .duplicate(let stored):
            logger.info("person action", metadata: [
                "agency": "\(agency)", "user": "\(user)", "kind": "\(message.kind.rawValue)", "sequence": "\(stored.sequence)",
            ])
            return stored
        case .conflict:
            throw Problem(.messageIdConflict, "This form was already sent with other content; reload the page and try again.")
        }
    }

    /// The payload as a message, or the problem that refuses it (with every field's problem).
    static func validated(_ payload: JSONValue) throws(Problem) -> Message {
        switch MessageValidator.validate(payload) {
        case .success(let message): return message
        case .failure(let rejection):
            switch rejection.reason {
            case .invalid:
                throw Problem(.invalidMessage, "The message has \(rejection.problems.count) problem\(rejection.problems.count == 1 ? "" : "s"); see 'errors'.", errors: rejection.problems)
            case .kindNotSupported:
                throw Problem(.kindNotSupported, rejection.problems.first?.problem ?? "This kind is not accepted yet.", errors: rejection.problems)
            }
        }
    }

    /// Store failures become 503: nothing was receipted, and the sender should retry.
    func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let problem as Problem { throw problem } catch {
            logger.error("store failure", metadata: ["error.type": "\(type(of: error))"])
            throw Problem(.storageUnavailable, "The hub could not store the message; nothing was receipted. Retry with the identical JWS.")
        }
    }
}

extension IntakeService.Outcome {
    var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}
