import BatonCore
import Foundation

/// One entry of an item's history: an event applied, by whom, when, and what it recorded.
/// Appended, never changed: corrections are new entries.
public struct ItemHistoryEntry: Sendable, Hashable, Codable {
    public var itemID: ItemID
    /// The item's version after the event (1 for creation).
    public var version: Int
    public var at: Date
    /// `created`, `acknowledged`, `on-hold`, `escalated`, … (``ItemEvent/name``).
    public var event: String
    public var status: ItemStatus
    public var actor: Actor
    /// What the event recorded: reason, code, rationale, owner, awaiting, reviewAt, level, …
    public var detail: [String: String]
    /// The signed message that carried the event, if any.
    public var messageSequence: Int64?

    public init(itemID: ItemID, version: Int, at: Date, event: String, status: ItemStatus, actor: Actor, detail: [String: String] = [:], messageSequence: Int64? = nil) {
        self.itemID = itemID
        self.version = version
        self.at = at
        self.event = event
        self.status = status
        self.actor = actor
        self.detail = detail
        self.messageSequence = messageSequence
    }
}

/// A push of an item to its recipient's endpoint, waiting in the outbox or done.
public struct Delivery: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case pending, delivered
        /// Retried for the whole retry window without success; the item's own deadlines have
        /// escalated long before, and the failure stays visible here.
        case abandoned
    }

    /// Receivers de-duplicate on this.
    public var id: String
    public var agency: AgencyID
    public var itemID: ItemID
    /// Why it is sent: `new`, `cancelled`, `escalated`, …
    public var reason: String
    public var createdAt: Date
    public var nextAttemptAt: Date?
    public var attempts: Int
    public var state: State
    /// The last failure, without personal data: an HTTP status or an error type.
    public var lastError: String?
    public var deliveredAt: Date?

    public init(id: String, agency: AgencyID, itemID: ItemID, reason: String, createdAt: Date) {
        self.id = id
        self.agency = agency
        self.itemID = itemID
        self.reason = reason
        self.createdAt = createdAt
        self.nextAttemptAt = createdAt
        self.attempts = 0
        self.state = .pending
    }
}

/// A mention in a message linked to a person.
public struct MentionLink: Sendable, Hashable, Codable {
    public var messageSequence: Int64
    public var ref: String
    public var person: PersonID
    /// `subject` (a child the message is about) or `person` (anyone else it names).
    public var role: String
    public var match: MatchOutcome
    /// How it was linked: `identifier`, `score`, or `new`.
    public var basis: String?
    /// The match probability of the link or of the best candidate.
    public var probability: Double?
    /// The normalised identity the matcher compares (JSON), from which the index is rebuilt.
    public var record: String?

    public var key: MentionKey { MentionKey(messageSequence: messageSequence, ref: ref) }

    public init(
        messageSequence: Int64, ref: String, person: PersonID, role: String, match: MatchOutcome, basis: String? = nil,
        probability: Double? = nil, record: String? = nil
    ) {
        self.messageSequence = messageSequence
        self.ref = ref
        self.person = person
        self.role = role
        self.match = match
        self.basis = basis
        self.probability = probability
        self.record = record
    }
}

/// Which items an inbox read returns, in urgency order: risk (highest first), then the earliest
/// due step (most overdue first), then age (oldest first).
public struct InboxQuery: Sendable, Hashable {
    public enum Selection: Sendable, Hashable {
        case open, closed, all
        case status(ItemStatus)
    }

    public var agency: AgencyID
    public var selection: Selection
    public var after: InboxCursor?
    public var limit: Int

    public init(agency: AgencyID, selection: Selection = .open, after: InboxCursor? = nil, limit: Int = 50) {
        self.agency = agency
        self.selection = selection
        self.after = after
        self.limit = limit
    }
}

/// A position in an inbox's order (keyset pagination).
public struct InboxCursor: Sendable, Hashable, Codable {
    public var riskRank: Int
    public var dueAt: Int64
    public var createdAt: Int64
    public var id: String

    public init(riskRank: Int, dueAt: Int64, createdAt: Int64, id: String) {
        self.riskRank = riskRank
        self.dueAt = dueAt
        self.createdAt = createdAt
        self.id = id
    }

    /// The position of `item` in the order.
    public init(_ item: Item) {
        self.init(riskRank: item.riskRank, dueAt: item.dueAtKey, createdAt: item.createdAt.storeMilliseconds, id: item.id.rawValue)
    }
}

extension Item {
    /// Inbox order: immediate 4 … low 1, none 0.
    public var riskRank: Int {
        switch risk {
        case nil: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .immediate: 4
        }
    }

    /// The earliest running deadline in milliseconds, or `Int64.max` when none runs (sorts last).
    public var dueAtKey: Int64 { state.dueAt?.storeMilliseconds ?? Int64.max }
}

extension Date {
    /// Milliseconds since 1970, as the store keeps instants.
    public var storeMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(storeMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000) }
}

/// Reads, inside a transaction or from a consistent snapshot.
public protocol StoreReader {
    func message(sequence: Int64) throws -> StoredMessage?
    func message(from sender: AgencyID, id: MessageID) throws -> StoredMessage?
    func item(_ id: ItemID) throws -> Item?
    /// Items created from a message, oldest first.
    func items(messageSequence: Int64) throws -> [Item]
    /// Items whose `relatedItem` is `id` (escalation notices, feedback, triage).
    func items(relatedTo id: ItemID) throws -> [Item]
    func history(of id: ItemID) throws -> [ItemHistoryEntry]
    func inbox(_ query: InboxQuery) throws -> [Item]
    /// Open items whose next check is due at `now`, soonest first.
    func dueItems(at now: Date, limit: Int) throws -> [ItemID]
    func dueDeliveries(at now: Date, limit: Int) throws -> [Delivery]
    func deliveries(of item: ItemID) throws -> [Delivery]
    func facts(of person: PersonID) throws -> [String: String]
    func openItemCount(about person: PersonID) throws -> Int
    func mentions(messageSequence: Int64) throws -> [MentionLink]
    func itemCount(open: Bool?) throws -> Int
    func messageCount() throws -> Int

    // People (identity resolution, chronology).

    func person(_ id: PersonID) throws -> PersonRecord?
    func mention(_ key: MentionKey) throws -> MentionLink?
    /// Every mention linked to `person`, oldest message first.
    func mentions(of person: PersonID) throws -> [MentionLink]
    /// Calls `body` with every mention that has a match record, in message order (rebuilding the
    /// identity index at start-up).
    func forEachMatchRecord(_ body: (PersonID, MentionKey, String) throws -> Void) throws
    func review(_ id: String) throws -> IdentityReview?
    /// Reviews with `status`, oldest first, after the review `after` (keyset pagination).
    func reviews(status: IdentityReview.Status?, after: String?, limit: Int) throws -> [IdentityReview]
    /// Open reviews about `person` (as the mention's person or the candidate).
    func openReviews(involving person: PersonID) throws -> [IdentityReview]
    func merge(_ id: String) throws -> PersonMerge?
    /// Merges in which `person` took part, newest first.
    func merges(involving person: PersonID) throws -> [PersonMerge]
    /// Relationships in which `person` is either side, resolved through the mentions.
    func relationships(of person: PersonID) throws -> [PersonRelationship]
    /// Households (hashed normalised addresses) the person was recorded at, newest first, with
    /// when.
    func households(of person: PersonID) throws -> [(household: String, at: Date)]
    /// The people recorded at a household.
    func members(ofHousehold household: String) throws -> [PersonID]
    /// Messages and items about `person`, in time order.
    func chronology(of person: PersonID) throws -> [ChronologyEntry]
    /// How many messages naming `person` as a subject carried any of `events` at or after `since`.
    func eventCount(person: PersonID, events: [String], since: Date) throws -> Int
    /// Items about `person` (open and closed), oldest first.
    func items(about person: PersonID) throws -> [Item]
    /// Open items about `person` with `purpose`, oldest first.
    func openItems(about person: PersonID, purpose: String) throws -> [Item]
    /// The ids of the items about `person` (open and closed) with `purpose`, oldest first: what
    /// needs only to know they exist reads no bodies.
    func itemIDs(about person: PersonID, purpose: String) throws -> [ItemID]
    /// An agency's items with `purpose` (open, closed, or either when nil), newest first, at most `limit`.
    func items(recipient: AgencyID, purpose: String, open: Bool?, limit: Int) throws -> [Item]
    /// Items about `person` created at or after `since`.
    func items(about person: PersonID, createdSince since: Date) throws -> [Item]

    // Disclosure decisions and policy versions.

    /// The need-to-know decision recorded when `item` was made: the policy version and the record (JSON).
    func disclosure(of item: ItemID) throws -> (policyVersion: String, decidedAt: Date, record: String)?
    /// The policy files (JSON: name → text) of a version the hub has run.
    func policyFiles(version: String) throws -> String?

    // The audit log (AuditLog.swift).

    /// How many entries the log holds.
    func auditSize() throws -> Int64
    func auditEntry(_ index: Int64) throws -> AuditEntry?
    /// Every entry in order (exporting the log).
    func forEachAuditEntry(_ body: (AuditEntry) throws -> Void) throws
    func latestTreeHead() throws -> TreeHead?
    func treeHead(size: Int64) throws -> TreeHead?
    /// Every signed tree head in order (exporting the log).
    func forEachTreeHead(_ body: (TreeHead) throws -> Void) throws
    /// Published checkpoints covering more than `size` entries, oldest first.
    func checkpoints(after size: Int64, limit: Int) throws -> [TreeHead]
    /// The latest published checkpoint.
    func latestCheckpoint() throws -> TreeHead?
    /// The audit path of entry `index` in the tree of `size` entries (RFC 6962).
    func inclusionProof(index: Int64, size: Int64) throws -> [[UInt8]]
    /// The consistency proof between the trees of `from` and `to` entries (RFC 6962).
    func consistencyProof(from: Int64, to: Int64) throws -> [[UInt8]]
    /// Entries recording a read of `person`'s data, oldest first.
    func accessEntries(of person: PersonID) throws -> [AuditEntry]

    // Web UI accounts and sessions (WebAccounts.swift).

    func user(_ username: String) throws -> WebUser?
    /// Every account, by username.
    func users() throws -> [WebUser]
    func session(_ id: String) throws -> WebSession?

    // Loop health for auditors (LoopHealth.swift).

    /// The loop-health figures for items created, messages received and decisions made in
    /// `query.from..<query.to`, and the overdue backlog at `query.now`.
    func loopHealth(_ query: LoopHealthQuery) throws -> LoopHealthFigures
    /// Case messages (referrals, notifications, information requests, discussion requests) sent by
    /// `sender`, newest first, before the sequence `before` when given.
    func caseMessages(from sender: AgencyID, before: Int64?, limit: Int) throws -> [StoredMessage]
}

/// A change the hub makes to what it holds. Every write is an insert or an update of derived
/// state; the signed messages and the history are never rewritten.
public enum StoreWrite: Sendable {
    case insertItem(Item, subjects: [PersonID], history: ItemHistoryEntry)
    /// Refused (the whole transaction fails) unless the stored version is the one before.
    case updateItem(Item, history: ItemHistoryEntry)
    case insertDelivery(Delivery)
    case updateDelivery(Delivery)
    case insertPerson(PersonID, kind: String, at: Date)
    case linkMention(MentionLink)
    case insertReview(IdentityReview)
    case updateReview(IdentityReview)
    case relationship(MentionRelationship)
    /// The mention was recorded at a household (a hash of the normalised address).
    case household(MentionKey, household: String, at: Date)
    /// What a message was about, by event name (its kind, notification type, concern
    /// categories), for chronologies and counters; `at` is when it happened.
    case messageEvents(messageSequence: Int64, events: [String], at: Date)
    /// Moves every mention of `merged` to `survivor` and records the merge (with what moved).
    case merge(PersonMerge)
    /// Moves the merge's mentions back and marks it undone.
    case unmerge(PersonMerge)
    /// The need-to-know decision for an item (JSON), made with `policyVersion`.
    case disclosure(item: ItemID, policyVersion: String, at: Date, record: String)
    /// A policy version the hub runs, with its files (JSON); kept once.
    case policyVersion(String, at: Date, files: String)
    /// Sets (or, with a nil value, clears) what the hub knows of a person.
    case fact(person: PersonID, name: String, value: String?, at: Date, messageSequence: Int64)
    /// A read of personal data, kept only in the audit log (and its per-person index).
    case access(AccessRecord)
    /// Something else the audit log must hold (a reload of the rules, a sign-in): a name and
    /// references, kept only in the audit log.
    case event(String, JSONObject)
    /// Creates or replaces a web UI account; `change` (`created`, `disabled`, `enabled`,
    /// `password-reset`, `locked`, `signed-in`, `sign-in-failed`) names what happened for the audit
    /// log, which records the account and role but never the password hash.
    case saveUser(WebUser, change: String)
    /// Creates or refreshes a session (not in the audit log: sign-ins are `.event`s).
    case saveSession(WebSession)
    /// Ends one session, or every session of a user.
    case endSession(id: String)
    case endSessions(username: String)
}

/// Reads and writes inside one transaction; a write is visible to the reads after it.
public protocol StoreTransaction: StoreReader {
    func apply(_ write: StoreWrite) throws
}

extension StoreTransaction {
    public func apply(_ writes: [StoreWrite]) throws {
        for write in writes { try apply(write) }
    }
}

/// What the intake pipeline decided about a message, returned from inside the storing transaction.
public struct IntakeDecision: Sendable {
    /// The hub-signed receipt.
    public var receipt: String
    /// The receipt response's `items`, `subjects` (and, for replies, `about`): kept with the
    /// message so an identical resubmission gets the identical answer.
    public var summary: JSONValue

    public init(receipt: String, summary: JSONValue) {
        self.receipt = receipt
        self.summary = summary
    }
}

/// Decides everything about a message inside the transaction that stores it: links its people,
/// routes it or applies it to its item, and signs the receipt. Throwing refuses the message:
/// nothing it wrote is kept.
public typealias IntakeDecider = @Sendable (_ message: IncomingMessage, _ sequence: Int64, _ transaction: any StoreTransaction) throws -> IntakeDecision

/// Where Baton keeps what it has received and decided: the SQLite store is the embedded
/// default; PostgreSQL sits behind the same protocol for scale-out.
///
/// The central promise: ``accept(_:decide:)`` returns only after the transaction holding the
/// message, its receipt and everything decided about it has committed durably; ``write(_:)``
/// likewise.
public protocol HubStore: Sendable {
    /// Stores `message` and what `decide` decides, or reports it as a duplicate or conflict.
    func accept(_ message: IncomingMessage, decide: @escaping IntakeDecider) async throws -> IntakeResult
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// Returns once everything committed so far is durable. ``accept(_:decide:)`` and
    /// ``write(_:)`` already wait; a reader calls this before acting outside the hub on what it
    /// read (a push to a webhook), since a read may see a commit just before it is durable.
    func waitUntilDurable() async throws
    /// Publishes a checkpoint of the audit log (a signed tree head marked as a checkpoint); nil when
    /// the store keeps no audit log.
    func auditCheckpoint() async throws -> TreeHead?
    /// Throws when the store cannot serve requests (for `/readyz`).
    func checkReadiness() async throws
    /// Finishes pending writes and releases the database.
    func close() async throws
}

extension HubStore {
    /// Stores `message` with only a receipt: no items, no links (tests of the storage layer).
    public func accept(_ message: IncomingMessage, receipt: @escaping ReceiptMaker) async throws -> IntakeResult {
        try await accept(message) { message, sequence, _ in
            IntakeDecision(receipt: try receipt(message, sequence), summary: [:])
        }
    }

    public func message(from sender: AgencyID, id: MessageID) async throws -> StoredMessage? {
        try await read { try $0.message(from: sender, id: id) }
    }

    public func messageCount() async throws -> Int {
        try await read { try $0.messageCount() }
    }
}
