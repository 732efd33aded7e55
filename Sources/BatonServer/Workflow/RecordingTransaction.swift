import BatonCore
import BatonStore
import Foundation

/// A transaction that remembers the items created through it, so intake can report in the
/// receipt every item a message caused (routed items, triage, transfers, feedback), however deep
/// in the workflow they were made.
final class RecordingTransaction: StoreTransaction {
    let base: any StoreTransaction
    private(set) var created: [Item] = []

    init(_ base: any StoreTransaction) { self.base = base }

    func apply(_ write: StoreWrite) throws {
        try base.apply(write)
        if case .insertItem(let item, _, _) = write { created.append(item) }
    }

    func message(sequence: Int64) throws -> StoredMessage? { try base.message(sequence: sequence) }
    func message(from sender: AgencyID, id: MessageID) throws -> StoredMessage? { try base.message(from: sender, id: id) }
    func item(_ id: ItemID) throws -> Item? { try base.item(id) }
    func items(messageSequence: Int64) throws -> [Item] { try base.items(messageSequence: messageSequence) }
    func items(relatedTo id: ItemID) throws -> [Item] { try base.items(relatedTo: id) }
    func history(of id: ItemID) throws -> [ItemHistoryEntry] { try base.history(of: id) }
    func inbox(_ query: InboxQuery) throws -> [Item] { try base.inbox(query) }
    func dueItems(at now: Date, limit: Int) throws -> [ItemID] { try base.dueItems(at: now, limit: limit) }
    func dueDeliveries(at now: Date, limit: Int) throws -> [Delivery] { try base.dueDeliveries(at: now, limit: limit) }
    func deliveries(of item: ItemID) throws -> [Delivery] { try base.deliveries(of: item) }
    func facts(of person: PersonID) throws -> [String: String] { try base.facts(of: person) }
    func openItemCount(about person: PersonID) throws -> Int { try base.openItemCount(about: person) }
    func mentions(messageSequence: Int64) throws -> [MentionLink] { try base.mentions(messageSequence: messageSequence) }
    func itemCount(open: Bool?) throws -> Int { try base.itemCount(open: open) }
    func messageCount() throws -> Int { try base.messageCount() }
    func person(_ id: PersonID) throws -> PersonRecord? { try base.person(id) }
    func mention(_ key: MentionKey) throws -> MentionLink? { try base.mention(key) }
    func mentions(of person: PersonID) throws -> [MentionLink] { try base.mentions(of: person) }
    func forEachMatchRecord(_ body: (PersonID, MentionKey, String) throws -> Void) throws { try base.forEachMatchRecord(body) }
    func review(_ id: String) throws -> IdentityReview? { try base.review(id) }
    func reviews(status: IdentityReview.Status?, after: String?, limit: Int) throws -> [IdentityReview] {
        try base.reviews(status: status, after: after, limit: limit)
    }
    func openReviews(involving person: PersonID) throws -> [IdentityReview] { try base.openReviews(involving: person) }
    func merge(_ id: String) throws -> PersonMerge? { try base.merge(id) }
    func merges(involving person: PersonID) throws -> [PersonMerge] { try base.merges(involving: person) }
    func relationships(of person: PersonID) throws -> [PersonRelationship] { try base.relationships(of: person) }
    func households(of person: PersonID) throws -> [(household: String, at: Date)] { try base.households(of: person) }
    func members(ofHousehold household: String) throws -> [PersonID] { try base.members(ofHousehold: household) }
    func chronology(of person: PersonID) throws -> [ChronologyEntry] { try base.chronology(of: person) }
    func eventCount(person: PersonID, events: [String], since: Date) throws -> Int {
        try base.eventCount(person: person, events: events, since: since)
    }
    func items(about person: PersonID) throws -> [Item] { try base.items(about: person) }
    func items(about person: PersonID, createdSince since: Date) throws -> [Item] { try base.items(about: person, createdSince: since) }
    func openItems(about person: PersonID, purpose: String) throws -> [Item] { try base.openItems(about: person, purpose: purpose) }
    func itemIDs(about person: PersonID, purpose: String) throws -> [ItemID] { try base.itemIDs(about: person, purpose: purpose) }
    func items(recipient: AgencyID, purpose: String, open: Bool?, limit: Int) throws -> [Item] {
        try base.items(recipient: recipient, purpose: purpose, open: open, limit: limit)
    }
    func disclosure(of item: ItemID) throws -> (policyVersion: String, decidedAt: Date, record: String)? { try base.disclosure(of: item) }
    func policyFiles(version: String) throws -> String? { try base.policyFiles(version: version) }
    func auditSize() throws -> Int64 { try base.auditSize() }
    func auditEntry(_ index: Int64) throws -> AuditEntry? { try base.auditEntry(index) }
    func forEachAuditEntry(_ body: (AuditEntry) throws -> Void) throws { try base.forEachAuditEntry(body) }
    func latestTreeHead() throws -> TreeHead? { try base.latestTreeHead() }
    func treeHead(size: Int64) throws -> TreeHead? { try base.treeHead(size: size) }
    func forEachTreeHead(_ body: (TreeHead) throws -> Void) throws { try base.forEachTreeHead(body) }
    func checkpoints(after size: Int64, limit: Int) throws -> [TreeHead] { try base.checkpoints(after: size, limit: limit) }
    func latestCheckpoint() throws -> TreeHead? { try base.latestCheckpoint() }
    func inclusionProof(index: Int64, size: Int64) throws -> [[UInt8]] { try base.inclusionProof(index: index, size: size) }
    func consistencyProof(from: Int64, to: Int64) throws -> [[UInt8]] { try base.consistencyProof(from: from, to: to) }
    func accessEntries(of person: PersonID) throws -> [AuditEntry] { try base.accessEntries(of: person) }
    func user(_ username: String) throws -> WebUser? { try base.user(username) }
    func users() throws -> [WebUser] { try base.users() }
    func session(_ id: String) throws -> WebSession? { try base.session(id) }
    func loopHealth(_ query: LoopHealthQuery) throws -> LoopHealthFigures { try base.loopHealth(query) }
    func caseMessages(from sender: AgencyID, before: Int64?, limit: Int) throws -> [StoredMessage] {
        try base.caseMessages(from: sender, before: before, limit: limit)
    }
}
