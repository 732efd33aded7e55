import BatonAudit
import BatonCore
import BatonSigning
import Foundation

/// The tamper-evident audit log (issue "A record nobody can quietly change"): an append-only list
/// of entries, hashed into an RFC 6962 Merkle tree, with a hub-signed tree head for every commit.
///
/// The store writes the entries itself, in the transaction of the change they record: every
/// ``StoreWrite`` applied while deciding a message, or inside one ``HubStore/write(_:)``, becomes
/// one change of that transaction's entry, so there is never a change without its entry. Entries
/// hold references (ids, refs, labels) and hashes, never copies of personal data.

/// A read of personal data: who read what, of which people, through which path, on what basis.
public struct AccessRecord: Sendable, Hashable {
    /// `api`, `webhook`, `ui`, `export`.
    public var channel: String
    /// What was read: `item`, `person`, `chronology`, `review`, `merge`.
    public var resource: String
    public var reader: AgencyID
    /// The role the reader acted in (`lead` when none was named).
    public var role: String
    public var item: ItemID?
    public var messageSequence: Int64?
    /// The people whose data was shown.
    public var persons: [PersonID]
    /// The section labels shown (for an item's content).
    public var sections: [String]
    /// The lawful basis the content was shared under, if any.
    public var basis: String?
    public var purpose: String?
    /// The web UI account that read it (channel `ui`).
    public var user: String?

    public init(
        channel: String, resource: String, reader: AgencyID, role: String = "lead", item: ItemID? = nil, messageSequence: Int64? = nil,
        persons: [PersonID], sections: [String] = [], basis: String? = nil, purpose: String? = nil, user: String? = nil
    ) {
        self.user = user
        self.channel = channel
        self.resource = resource
        self.reader = reader
        self.role = role
        self.item = item
        self.messageSequence = messageSequence
        self.persons = persons
        self.sections = sections
        self.basis = basis
        self.purpose = purpose
    }
}

/// Signs a tree head (size, root, time) with the hub key: a compact JWS.
public typealias TreeHeadSigner = @Sendable (_ size: Int64, _ root: [UInt8], _ at: Date) throws -> String

/// One entry of the audit log as stored.
public struct AuditEntry: Sendable, Hashable {
    public var index: Int64
    public var at: Date
    /// The exact bytes hashed into the tree (a JSON object).
    public var body: [UInt8]
    /// The leaf hash stored when the entry was appended.
    public var leafHash: [UInt8]

    public init(index: Int64, at: Date, body: [UInt8], leafHash: [UInt8]) {
        self.index = index
        self.at = at
        self.body = body
        self.leafHash = leafHash
    }
}

/// A signed tree head: the log's size and root at a commit, signed by the hub. `checkpoint` marks
/// the heads published at the configured interval or on demand.
public struct TreeHead: Sendable, Hashable {
    public var size: Int64
    public var root: [UInt8]
    public var at: Date
    public var jws: String
    public var checkpoint: Bool

    public init(size: Int64, root: [UInt8], at: Date, jws: String, checkpoint: Bool) {
        self.size = size
        self.root = root
        self.at = at
        self.jws = jws
        self.checkpoint = checkpoint
    }
}

/// The changes one transaction made, collected as they are applied.
final class AuditJournal {
    var changes: [JSONValue] = []
    var persons: Set<PersonID> = []

    func record(_ write: StoreWrite) {
        guard let change = AuditJournal.describe(write) else { return }
        changes.append(change)
        if case .access(let access) = write { persons.formUnion(access.persons) }
    }

    static func sha256(_ text: String) -> String { Digest.sha256Hex(Array(text.utf8)) }

    static func actor(_ actor: Actor) -> JSONValue {
        var object: JSONObject = ["kind": .string(actor.kind.rawValue)]
        if let agency = actor.agency { object["agency"] = .string(agency.rawValue) }
        if let role = actor.role { object["role"] = .string(role) }
        if let message = actor.messageId { object["messageId"] = .string(message.rawValue) }
        if let user = actor.user { object["user"] = .string(user) }
        return .object(object)
    }

    /// A change as the log records it: references and hashes only.
    static func describe(_ write: StoreWrite) -> JSONValue? {
        switch write {
        case .insertItem(let item, let subjects, let history):
            return [
                "change": "item.created", "item": .string(item.id.rawValue), "recipient": .string(item.recipient.rawValue),
                "purpose": .string(item.purpose), "kind": .string(item.kind.rawValue), "status": .string(item.state.status.rawValue),
                "messageSequence": .number(Double(item.messageSequence)), "subjects": .array(subjects.map { .string($0.rawValue) }),
                "actor": actor(history.actor),
            ]
        case .updateItem(let item, let history):
            return [
                "change": "item.changed", "item": .string(item.id.rawValue), "event": .string(history.event),
                "status": .string(history.status.rawValue), "version": .number(Double(history.version)), "actor": actor(history.actor),
            ]
        case .insertDelivery(let delivery), .updateDelivery(let delivery):
            return [
                "change": "delivery", "delivery": .string(delivery.id), "item": .string(delivery.itemID.rawValue),
                "agency": .string(delivery.agency.rawValue), "state": .string(delivery.state.rawValue), "attempts": .number(Double(delivery.attempts)),
            ]
        case .insertPerson(let person, let kind, _):
            return ["change": "person.created", "person": .string(person.rawValue), "kind": .string(kind)]
        case .linkMention(let link):
            var object: JSONObject = [
                "change": "identity.link", "messageSequence": .number(Double(link.messageSequence)), "ref": .string(link.ref),
                "person": .string(link.person.rawValue), "match": .string(link.match.rawValue),
            ]
            if let basis = link.basis { object["basis"] = .string(basis) }
            if let record = link.record { object["recordSha256"] = .string(sha256(record)) }
            return .object(object)
        case .insertReview(let review), .updateReview(let review):
            var object: JSONObject = [
                "change": "identity.review", "review": .string(review.id), "status": .string(review.status.rawValue),
                "person": .string(review.person.rawValue), "candidate": .string(review.candidate.rawValue),
            ]
            if let by = review.decidedBy { object["decidedBy"] = actor(by) }
            if let reason = review.reason { object["reasonSha256"] = .string(sha256(reason)) }
            return .object(object)
        case .relationship(let relationship):
            return [
                "change": "relationship", "messageSequence": .number(Double(relationship.messageSequence)), "from": .string(relationship.from),
                "to": .string(relationship.to), "role": .string(relationship.role),
            ]
        case .household(let mention, let household, _):
            return [
                "change": "household", "messageSequence": .number(Double(mention.messageSequence)), "ref": .string(mention.ref),
                "household": .string(household),
            ]
        case .messageEvents(let sequence, let events, _):
            return ["change": "events", "messageSequence": .number(Double(sequence)), "events": .array(events.map(JSONValue.string))]
        case .merge(let merge), .unmerge(let merge):
            let name = if case .merge = write { "identity.merge" } else { "identity.unmerge" }
            return [
                "change": .string(name), "merge": .string(merge.id), "survivor": .string(merge.survivor.rawValue),
                "merged": .string(merge.merged.rawValue), "actor": actor(merge.actor), "reasonSha256": .string(sha256(merge.reason)),
                "mentions": .number(Double(merge.movedMentions.count)),
            ]
        case .disclosure(let item, let version, _, let record):
            return ["change": "disclosure", "item": .string(item.rawValue), "policyVersion": .string(version), "recordSha256": .string(sha256(record))]
        case .policyVersion(let version, _, _):
            return ["change": "policy.version", "policyVersion": .string(version)]
        case .fact(let person, let name, let value, _, let sequence):
            var object: JSONObject = [
                "change": "fact", "person": .string(person.rawValue), "name": .string(name), "messageSequence": .number(Double(sequence)),
            ]
            object["valueSha256"] = value.map { .string(sha256($0)) } ?? .null
            return .object(object)
        case .access(let access):
            var object: JSONObject = [
                "change": "access", "channel": .string(access.channel), "resource": .string(access.resource),
                "reader": .string(access.reader.rawValue), "role": .string(access.role),
                "persons": .array(access.persons.map { .string($0.rawValue) }), "sections": .array(access.sections.map(JSONValue.string)),
            ]
            if let item = access.item { object["item"] = .string(item.rawValue) }
            if let sequence = access.messageSequence { object["messageSequence"] = .number(Double(sequence)) }
            if let basis = access.basis { object["basis"] = .string(basis) }
            if let purpose = access.purpose { object["purpose"] = .string(purpose) }
            if let user = access.user { object["user"] = .string(user) }
            return .object(object)
        case .event(let name, let details):
            var object = details
            object["change"] = .string(name)
            return .object(object)
        case .saveUser(let user, let change):
            return [
                "change": .string("account.\(change)"), "user": .string(user.username), "agency": .string(user.agency.rawValue),
                "role": .string(user.role.rawValue), "disabled": .bool(user.disabled),
            ]
        case .saveSession, .endSession, .endSessions:
            return nil
        }
    }
}
