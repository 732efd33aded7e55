import BatonAudit
import BatonCore
import Foundation
import GRDB

/// ``StoreReader`` and ``StoreTransaction`` on one GRDB database connection. SQL is kept plain and
/// portable (the PostgreSQL store runs the same statements with `$n` placeholders); instants are
/// integer milliseconds; an item's full state is its JSON `body`, with the columns the inbox and
/// the sweeper query kept beside it.
struct SQLiteTransaction: StoreTransaction {
    let db: Database
    /// Collects the changes this transaction applies, for its audit-log entry (nil: not logged).
    var journal: AuditJournal? = nil
    /// The audit tree's upper levels in memory; set only on read transactions, which see only
    /// committed nodes (see ``MerkleNodeCache``).
    var nodeCache: MerkleNodeCache? = nil
    /// The message whose decider is running (intake only), for mentions' counters.
    var intake: IntakeContext? = nil

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder = JSONDecoder()

    // MARK: - Messages

    static let messageColumns = "sequence, sender_agency, message_id, kind, sender_kid, sent_at, received_at, jws_sha256, jws, receipt, intake_summary"

    func message(sequence: Int64) throws -> StoredMessage? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.messageColumns) FROM message WHERE sequence = ?")
        return try Row.fetchOne(statement, arguments: [sequence]).map(Self.storedMessage)
    }

    func message(from sender: AgencyID, id: MessageID) throws -> StoredMessage? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.messageColumns) FROM message WHERE sender_agency = ? AND message_id = ?")
        return try Row.fetchOne(statement, arguments: [sender.rawValue, id.rawValue]).map(Self.storedMessage)
    }

    func messageCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0
    }

    static func storedMessage(_ row: Row) throws -> StoredMessage {
        guard let sender = AgencyID(rawValue: row["sender_agency"]),
            let messageId = MessageID(rawValue: row["message_id"]),
            let kind = MessageKind(rawValue: row["kind"]),
            let sentAt = RFC3339.parse(row["sent_at"]),
            let receivedAt = RFC3339.parse(row["received_at"])
        else { throw StoreUnavailable("a stored message row could not be read") }
        let jws: Data = row["jws"]
        let summaryText: String? = row["intake_summary"]
        let summary = summaryText.flatMap { try? StrictJSON.parse($0) }
        return StoredMessage(
            sequence: row["sequence"], sender: sender, messageId: messageId, kind: kind, senderKid: row["sender_kid"],
            sentAt: sentAt, receivedAt: receivedAt, sha256: row["jws_sha256"], jws: Array(jws), receipt: row["receipt"],
            summary: summary)
    }

    // MARK: - Items

    func item(_ id: ItemID) throws -> Item? {
        let statement = try db.cachedStatement(sql: "SELECT body FROM item WHERE id = ?")
        return try String.fetchOne(statement, arguments: [id.rawValue]).map(Self.decodeItem)
    }

    func items(messageSequence: Int64) throws -> [Item] {
        let statement = try db.cachedStatement(sql: "SELECT body FROM item WHERE message_sequence = ? ORDER BY created_at, rowid")
        return try String.fetchAll(statement, arguments: [messageSequence]).map(Self.decodeItem)
    }

    func items(relatedTo id: ItemID) throws -> [Item] {
        let statement = try db.cachedStatement(sql: "SELECT body FROM item WHERE related_item = ? ORDER BY created_at, rowid")
        return try String.fetchAll(statement, arguments: [id.rawValue]).map(Self.decodeItem)
    }

    func history(of id: ItemID) throws -> [ItemHistoryEntry] {
        let statement = try db.cachedStatement(sql: "SELECT entry FROM item_event WHERE item_id = ? ORDER BY version")
        return try String.fetchAll(statement, arguments: [id.rawValue]).map {
            try Self.decoder.decode(ItemHistoryEntry.self, from: Data($0.utf8))
        }
    }

    func inbox(_ query: InboxQuery) throws -> [Item] {
        var sql = "SELECT body FROM item WHERE recipient = ?"
        var arguments: StatementArguments = [query.agency.rawValue]
        switch query.selection {
        case .open: sql += " AND is_open = 1"
        case .closed: sql += " AND is_open = 0"
        case .all: break
        case .status(let status):
            sql += " AND is_open = ? AND status = ?"
            arguments += [status.isTerminal ? 0 : 1, status.rawValue]
        }
        if let cursor = query.after {
            sql += """
                 AND (risk_rank < ? OR (risk_rank = ? AND (due_at > ? OR (due_at = ? AND (created_at > ? OR (created_at = ? AND id > ?))))))
                """
            arguments += [cursor.riskRank, cursor.riskRank, cursor.dueAt, cursor.dueAt, cursor.createdAt, cursor.createdAt, cursor.id]
        }
        sql += " ORDER BY risk_rank DESC, due_at, created_at, id LIMIT ?"
        arguments += [query.limit]
        return try String.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.decodeItem)
    }

    func dueItems(at now: Date, limit: Int) throws -> [ItemID] {
        let statement = try db.cachedStatement(sql: """
            SELECT id FROM item WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?
            """)
        return try String.fetchAll(statement, arguments: [now.storeMilliseconds, limit]).compactMap(ItemID.init(rawValue:))
    }

    func itemCount(open: Bool?) throws -> Int {
        switch open {
        case nil: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") ?? 0
        case let open?: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE is_open = ?", arguments: [open ? 1 : 0]) ?? 0
        }
    }

    static func decodeItem(_ body: String) throws -> Item {
        try decoder.decode(Item.self, from: Data(body.utf8))
    }

    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: - Deliveries

    func dueDeliveries(at now: Date, limit: Int) throws -> [Delivery] {
        let statement = try db.cachedStatement(sql: """
            SELECT body FROM delivery WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?
            """)
        return try String.fetchAll(statement, arguments: [now.storeMilliseconds, limit]).map {
            try Self.decoder.decode(Delivery.self, from: Data($0.utf8))
        }
    }

    func deliveries(of item: ItemID) throws -> [Delivery] {
        let statement = try db.cachedStatement(sql: "SELECT body FROM delivery WHERE item_id = ? ORDER BY created_at, rowid")
        return try String.fetchAll(statement, arguments: [item.rawValue]).map {
            try Self.decoder.decode(Delivery.self, from: Data($0.utf8))
        }
    }

    // MARK: - Persons

    func facts(of person: PersonID) throws -> [String: String] {
        let statement = try db.cachedStatement(sql: "SELECT name, value FROM person_fact WHERE person_id = ?")
        var facts: [String: String] = [:]
        for row in try Row.fetchAll(statement, arguments: [person.rawValue]) { facts[row[0]] = row[1] }
        return facts
    }

    static let openItemCountSQL = """
        SELECT COUNT(*) FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? AND i.is_open = 1
        """

    func openItemCount(about person: PersonID) throws -> Int {
        let statement = try db.cachedStatement(sql: Self.openItemCountSQL)
        return try Int.fetchOne(statement, arguments: [person.rawValue]) ?? 0
    }

    static let mentionColumns = "message_sequence, ref, person_id, role, match, basis, probability, record"

    static func mentionLink(_ row: Row) -> MentionLink? {
        guard let person = PersonID(rawValue: row[2]), let match = MatchOutcome(rawValue: row[4]) else { return nil }
        return MentionLink(
            messageSequence: row[0], ref: row[1], person: person, role: row[3], match: match, basis: row[5], probability: row[6],
            record: row[7])
    }

    func mentions(messageSequence: Int64) throws -> [MentionLink] {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.mentionColumns) FROM mention WHERE message_sequence = ? ORDER BY ref")
        return try Row.fetchAll(statement, arguments: [messageSequence]).compactMap(Self.mentionLink)
    }

    func mention(_ key: MentionKey) throws -> MentionLink? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.mentionColumns) FROM mention WHERE message_sequence = ? AND ref = ?")
        return try Row.fetchOne(statement, arguments: [key.messageSequence, key.ref]).flatMap(Self.mentionLink)
    }

    static let mentionsOfPersonSQL = "SELECT \(mentionColumns) FROM mention WHERE person_id = ? ORDER BY message_sequence, ref"

    func mentions(of person: PersonID) throws -> [MentionLink] {
        let statement = try db.cachedStatement(sql: Self.mentionsOfPersonSQL)
        return try Row.fetchAll(statement, arguments: [person.rawValue]).compactMap(Self.mentionLink)
    }

    func forEachMatchRecord(_ body: (PersonID, MentionKey, String) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT message_sequence, ref, person_id, record FROM mention WHERE record IS NOT NULL ORDER BY message_sequence, ref
            """)
        while let row = try cursor.next() {
            guard let person = PersonID(rawValue: row[2]) else { continue }
            try body(person, MentionKey(messageSequence: row[0], ref: row[1]), row[3])
        }
    }

    func person(_ id: PersonID) throws -> PersonRecord? {
        let statement = try db.cachedStatement(sql: "SELECT kind, created_at, merged_into FROM person WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id.rawValue]).map { row in
            PersonRecord(
                id: id, kind: row[0], createdAt: Date(storeMilliseconds: row[1]),
                mergedInto: (row[2] as String?).flatMap(PersonID.init(rawValue:)))
        }
    }

    func review(_ id: String) throws -> IdentityReview? {
        let statement = try db.cachedStatement(sql: "SELECT body FROM identity_review WHERE id = ?")
        return try String.fetchOne(statement, arguments: [id]).map { try Self.decoder.decode(IdentityReview.self, from: Data($0.utf8)) }
    }

    func reviews(status: IdentityReview.Status?, after: String?, limit: Int) throws -> [IdentityReview] {
        var sql = "SELECT body FROM identity_review"
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let after, let cursor = try Row.fetchOne(db, sql: "SELECT created_at, id FROM identity_review WHERE id = ?", arguments: [after]) {
            let createdAt: Int64 = cursor[0]
            let id: String = cursor[1]
            conditions.append("(created_at > ? OR (created_at = ? AND id > ?))")
            arguments += [createdAt, createdAt, id]
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at, id LIMIT ?"
        arguments += [limit]
        return try String.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map {
            try Self.decoder.decode(IdentityReview.self, from: Data($0.utf8))
        }
    }

    func openReviews(involving person: PersonID) throws -> [IdentityReview] {
        let statement = try db.cachedStatement(sql: """
            SELECT body FROM identity_review WHERE status = 'open' AND (person_id = ? OR candidate_id = ?) ORDER BY created_at, id
            """)
        return try String.fetchAll(statement, arguments: [person.rawValue, person.rawValue]).map {
            try Self.decoder.decode(IdentityReview.self, from: Data($0.utf8))
        }
    }

    func merge(_ id: String) throws -> PersonMerge? {
        let statement = try db.cachedStatement(sql: "SELECT body FROM person_merge WHERE id = ?")
        return try String.fetchOne(statement, arguments: [id]).map { try Self.decoder.decode(PersonMerge.self, from: Data($0.utf8)) }
    }

    func merges(involving person: PersonID) throws -> [PersonMerge] {
        let statement = try db.cachedStatement(sql: """
            SELECT body FROM person_merge WHERE survivor_id = ? OR merged_id = ? ORDER BY at DESC, id DESC
            """)
        return try String.fetchAll(statement, arguments: [person.rawValue, person.rawValue]).map {
            try Self.decoder.decode(PersonMerge.self, from: Data($0.utf8))
        }
    }

    func relationships(of person: PersonID) throws -> [PersonRelationship] {
        // From the person's mentions to the other side of each relationship, in both directions.
        let select = """
            SELECT f.person_id, t.person_id, r.role, r.message_sequence, msg.received_at
            FROM mention p
            JOIN relationship r ON r.message_sequence = p.message_sequence AND %@ = p.ref
            JOIN mention f ON f.message_sequence = r.message_sequence AND f.ref = r.from_ref
            JOIN mention t ON t.message_sequence = r.message_sequence AND t.ref = r.to_ref
            JOIN message msg ON msg.sequence = r.message_sequence
            WHERE p.person_id = ?
            """
        var result: [PersonRelationship] = []
        var seen = Set<PersonRelationship>()
        for side in ["r.from_ref", "r.to_ref"] {
            let statement = try db.cachedStatement(sql: select.replacingOccurrences(of: "%@", with: side))
            for row in try Row.fetchAll(statement, arguments: [person.rawValue]) {
                guard let from = PersonID(rawValue: row[0]), let to = PersonID(rawValue: row[1]), let at = RFC3339.parse(row[4]) else { continue }
                let relationship = PersonRelationship(from: from, to: to, role: row[2], messageSequence: row[3], at: at)
                if seen.insert(relationship).inserted { result.append(relationship) }
            }
        }
        return result.sorted { ($0.messageSequence, $0.role) < ($1.messageSequence, $1.role) }
    }

    func households(of person: PersonID) throws -> [(household: String, at: Date)] {
        let statement = try db.cachedStatement(sql: """
            SELECT h.household, MAX(h.at) FROM mention m
            JOIN household_mention h ON h.message_sequence = m.message_sequence AND h.ref = m.ref
            WHERE m.person_id = ? GROUP BY h.household ORDER BY MAX(h.at) DESC
            """)
        return try Row.fetchAll(statement, arguments: [person.rawValue]).map { ($0[0], Date(storeMilliseconds: $0[1])) }
    }

    func members(ofHousehold household: String) throws -> [PersonID] {
        let statement = try db.cachedStatement(sql: """
            SELECT DISTINCT m.person_id FROM household_mention h
            JOIN mention m ON m.message_sequence = h.message_sequence AND m.ref = h.ref
            WHERE h.household = ? ORDER BY m.person_id
            """)
        return try String.fetchAll(statement, arguments: [household]).compactMap(PersonID.init(rawValue:))
    }

    func chronology(of person: PersonID) throws -> [ChronologyEntry] {
        var entries: [ChronologyEntry] = []
        let messages = try db.cachedStatement(sql: """
            SELECT m.message_sequence, m.role, msg.sender_agency, msg.kind, msg.received_at,
                   (SELECT MIN(e.at) FROM message_event e WHERE e.message_sequence = m.message_sequence),
                   (SELECT GROUP_CONCAT(e.event, ' ') FROM message_event e WHERE e.message_sequence = m.message_sequence)
            FROM mention m JOIN message msg ON msg.sequence = m.message_sequence
            WHERE m.person_id = ?
            """)
        var seenMessages = Set<Int64>()
        for row in try Row.fetchAll(messages, arguments: [person.rawValue]) {
            let sequence: Int64 = row[0]
            guard seenMessages.insert(sequence).inserted, let agency = AgencyID(rawValue: row[2]), let received = RFC3339.parse(row[4]) else { continue }
            let at = (row[5] as Int64?).map(Date.init(storeMilliseconds:)) ?? received
            let kind: String = row[3]
            let events = ((row[6] as String?) ?? "").split(separator: " ").map(String.init).filter { $0 != kind }.sorted()
            entries.append(ChronologyEntry(kind: .message, at: at, messageSequence: sequence, agency: agency, what: kind, detail: events, reference: row[1]))
        }
        for item in try items(about: person) {
            entries.append(ChronologyEntry(
                kind: .item, at: item.createdAt, messageSequence: item.messageSequence, agency: item.recipient, what: item.purpose,
                detail: [item.state.status.rawValue], reference: item.id.rawValue))
        }
        return entries.sorted { ($0.at, $0.messageSequence, $0.kind == .message ? 0 : 1) < ($1.at, $1.messageSequence, $1.kind == .message ? 0 : 1) }
    }

    static func eventCountSQL(events: Int) -> String {
        let placeholders = Array(repeating: "?", count: events).joined(separator: ", ")
        return """
            SELECT COUNT(DISTINCT e.message_sequence) FROM mention m
            JOIN message_event e ON e.message_sequence = m.message_sequence
            WHERE m.person_id = ? AND m.role = 'subject' AND e.event IN (\(placeholders)) AND e.at >= ?
            """
    }

    func eventCount(person: PersonID, events: [String], since: Date) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let statement = try db.cachedStatement(sql: Self.eventCountSQL(events: events.count))
        var arguments: StatementArguments = [person.rawValue]
        for event in events { arguments += [event] }
        arguments += [since.storeMilliseconds]
        return try Int.fetchOne(statement, arguments: arguments) ?? 0
    }

    static let itemsAboutSQL = """
        SELECT i.body FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? ORDER BY i.created_at, i.id
        """

    func items(about person: PersonID) throws -> [Item] {
        let statement = try db.cachedStatement(sql: Self.itemsAboutSQL)
        return try String.fetchAll(statement, arguments: [person.rawValue]).map(Self.decodeItem)
    }

    /// `CAST(? AS TEXT)` rather than a bare `?` where a column is compared that a partial index's
    /// WHERE also names (`item_feedback`: purpose): SQLite compares a bare parameter's value with
    /// the index's constant when planning, and then prepares the cached statement again whenever
    /// the value bound to it changes (with intake alternating purposes, on almost every call).
    static let openItemsSQL = """
        SELECT i.body FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? AND i.purpose = CAST(? AS TEXT) AND i.is_open = 1
        ORDER BY i.created_at, i.id
        """

    func openItems(about person: PersonID, purpose: String) throws -> [Item] {
        let statement = try db.cachedStatement(sql: Self.openItemsSQL)
        return try String.fetchAll(statement, arguments: [person.rawValue, purpose]).map(Self.decodeItem)
    }

    static let itemIDsAboutSQL = """
        SELECT i.id FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? AND i.purpose = CAST(? AS TEXT)
        ORDER BY i.created_at, i.id
        """

    func itemIDs(about person: PersonID, purpose: String) throws -> [ItemID] {
        let statement = try db.cachedStatement(sql: Self.itemIDsAboutSQL)
        return try String.fetchAll(statement, arguments: [person.rawValue, purpose]).compactMap(ItemID.init(rawValue:))
    }

    static func itemsOfRecipientSQL(open: Bool?) -> String {
        let openClause = open.map { $0 ? " AND is_open = 1" : " AND is_open = 0" } ?? ""
        return "SELECT body FROM item WHERE recipient = ? AND purpose = CAST(? AS TEXT)\(openClause) ORDER BY created_at DESC, id DESC LIMIT ?"
    }

    func items(recipient: AgencyID, purpose: String, open: Bool?, limit: Int) throws -> [Item] {
        let statement = try db.cachedStatement(sql: Self.itemsOfRecipientSQL(open: open))
        return try String.fetchAll(statement, arguments: [recipient.rawValue, purpose, limit]).map(Self.decodeItem)
    }

    func items(about person: PersonID, createdSince since: Date) throws -> [Item] {
        let statement = try db.cachedStatement(sql: """
            SELECT i.body FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? AND i.created_at >= ?
            ORDER BY i.created_at, i.id
            """)
        return try String.fetchAll(statement, arguments: [person.rawValue, since.storeMilliseconds]).map(Self.decodeItem)
    }

    func disclosure(of item: ItemID) throws -> (policyVersion: String, decidedAt: Date, record: String)? {
        let statement = try db.cachedStatement(sql: "SELECT policy_version, decided_at, body FROM disclosure_decision WHERE item_id = ?")
        return try Row.fetchOne(statement, arguments: [item.rawValue]).map { ($0[0], Date(storeMilliseconds: $0[1]), $0[2]) }
    }

    func policyFiles(version: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT files FROM policy_version WHERE version = ?"), arguments: [version])
    }

    /// Sets an item's subject people from its subject refs through the mentions (after mentions moved).
    func recomputeSubjects(of itemIDs: [String]) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM item_subject WHERE item_id = ?")
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO item_subject (item_id, person_id) VALUES (?, ?)")
        for id in Set(itemIDs).sorted() {
            guard let itemID = ItemID(rawValue: id), let item = try item(itemID) else { continue }
            try delete.execute(arguments: [id])
            for ref in item.subjects {
                if let link = try mention(MentionKey(messageSequence: item.messageSequence, ref: ref)) {
                    try insert.execute(arguments: [id, link.person.rawValue])
                }
            }
        }
    }

    // MARK: - Writes

    func apply(_ write: StoreWrite) throws {
        journal?.record(write)
        switch write {
        case .insertItem(let item, let subjects, let history):
            if Self.mayCount(item) { try countLoop(item, old: nil) }
            try db.cachedStatement(sql: """
                INSERT INTO item (id, message_sequence, recipient, purpose, kind, status, is_open, risk_rank, due_at, next_check_at,
                                  escalation_level, related_item, created_at, updated_at, version, body,
                                  sender, acknowledged_at, decided_at, outcome_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    item.id.rawValue, item.messageSequence, item.recipient.rawValue, item.purpose, item.kind.rawValue,
                    item.state.status.rawValue, item.isOpen ? 1 : 0, item.riskRank, item.dueAtKey,
                    item.nextCheckAt(after: history.at)?.storeMilliseconds, item.state.escalation?.level ?? 0,
                    item.relatedItem?.rawValue, item.createdAt.storeMilliseconds, history.at.storeMilliseconds,
                    item.state.version, try Self.encode(item),
                    item.messageSender.rawValue, item.state.acknowledgedAt?.storeMilliseconds,
                    (item.state.decision ?? item.state.outcome)?.at.storeMilliseconds, item.state.outcome?.at.storeMilliseconds,
                ])
            let subject = try db.cachedStatement(sql: "INSERT OR IGNORE INTO item_subject (item_id, person_id) VALUES (?, ?)")
            for person in subjects { try subject.execute(arguments: [item.id.rawValue, person.rawValue]) }
            try insertHistory(history)

        case .updateItem(let item, let history):
            if Self.mayCount(item) { try countLoop(item, old: try loopFields(of: item.id.rawValue)) }
            try db.cachedStatement(sql: """
                UPDATE item SET status = ?, is_open = ?, due_at = ?, next_check_at = ?, escalation_level = ?, updated_at = ?,
                                version = ?, body = ?, acknowledged_at = ?, decided_at = ?, outcome_at = ?
                WHERE id = ? AND version = ?
                """).execute(arguments: [
                    item.state.status.rawValue, item.isOpen ? 1 : 0, item.dueAtKey,
                    item.nextCheckAt(after: history.at)?.storeMilliseconds, item.state.escalation?.level ?? 0,
                    history.at.storeMilliseconds, item.state.version, try Self.encode(item),
                    item.state.acknowledgedAt?.storeMilliseconds, (item.state.decision ?? item.state.outcome)?.at.storeMilliseconds,
                    item.state.outcome?.at.storeMilliseconds, item.id.rawValue, item.state.version - 1,
                ])
            guard db.changesCount == 1 else {
                throw StoreConflict("item \(item.id) changed while this change was being made; nothing was written")
            }
            try insertHistory(history)

        case .insertDelivery(let delivery):
            try db.cachedStatement(sql: """
                INSERT INTO delivery (id, agency, item_id, state, next_attempt_at, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    delivery.id, delivery.agency.rawValue, delivery.itemID.rawValue, delivery.state.rawValue,
                    delivery.nextAttemptAt?.storeMilliseconds, delivery.createdAt.storeMilliseconds, try Self.encode(delivery),
                ])

        case .updateDelivery(let delivery):
            try db.cachedStatement(sql: "UPDATE delivery SET state = ?, next_attempt_at = ?, body = ? WHERE id = ?").execute(arguments: [
                delivery.state.rawValue, delivery.nextAttemptAt?.storeMilliseconds, try Self.encode(delivery), delivery.id,
            ])

        case .insertPerson(let person, let kind, let at):
            try db.cachedStatement(sql: "INSERT INTO person (id, kind, created_at) VALUES (?, ?, ?)").execute(arguments: [
                person.rawValue, kind, at.storeMilliseconds,
            ])

        case .linkMention(let link):
            let day = try countMention(link)
            try db.cachedStatement(sql: """
                INSERT INTO mention (message_sequence, ref, person_id, role, match, basis, probability, record, no_sex, no_dob, no_nhs, day)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, json_extract(?8, '$.sex') IS NULL, json_extract(?8, '$.dob') IS NULL,
                        json_extract(?8, '$.nhs') IS NULL, ?9)
                """).execute(arguments: [
                    link.messageSequence, link.ref, link.person.rawValue, link.role, link.match.rawValue, link.basis, link.probability,
                    link.record, day,
                ])

        case .insertReview(let review):
            try db.cachedStatement(sql: """
                INSERT INTO identity_review (id, status, created_at, person_id, candidate_id, body) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    review.id, review.status.rawValue, review.createdAt.storeMilliseconds, review.person.rawValue, review.candidate.rawValue,
                    try Self.encode(review),
                ])

        case .updateReview(let review):
            try db.cachedStatement(sql: "UPDATE identity_review SET status = ?, body = ? WHERE id = ?").execute(arguments: [
                review.status.rawValue, try Self.encode(review), review.id,
            ])

        case .relationship(let relationship):
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO relationship (message_sequence, from_ref, to_ref, role) VALUES (?, ?, ?, ?)
                """).execute(arguments: [relationship.messageSequence, relationship.from, relationship.to, relationship.role])

        case .household(let mention, let household, let at):
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO household_mention (household, message_sequence, ref, at) VALUES (?, ?, ?, ?)
                """).execute(arguments: [household, mention.messageSequence, mention.ref, at.storeMilliseconds])

        case .messageEvents(let sequence, let events, let at):
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO message_event (message_sequence, event, at) VALUES (?, ?, ?)")
            for event in events { try insert.execute(arguments: [sequence, event, at.storeMilliseconds]) }

        case .merge(let merge):
            let itemIDs = try String.fetchAll(
                db.cachedStatement(sql: "SELECT item_id FROM item_subject WHERE person_id = ?"), arguments: [merge.merged.rawValue])
            try db.cachedStatement(sql: "UPDATE mention SET person_id = ? WHERE person_id = ?").execute(arguments: [
                merge.survivor.rawValue, merge.merged.rawValue,
            ])
            try recomputeSubjects(of: itemIDs)
            for name in merge.copiedFacts {
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO person_fact (person_id, name, value, recorded_at, message_sequence)
                    SELECT ?, name, value, recorded_at, message_sequence FROM person_fact WHERE person_id = ? AND name = ?
                    """).execute(arguments: [merge.survivor.rawValue, merge.merged.rawValue, name])
            }
            try db.cachedStatement(sql: "UPDATE person SET merged_into = ? WHERE id = ? OR merged_into = ?").execute(arguments: [
                merge.survivor.rawValue, merge.merged.rawValue, merge.merged.rawValue,
            ])
            try db.cachedStatement(sql: "INSERT INTO person_merge (id, survivor_id, merged_id, at, body) VALUES (?, ?, ?, ?, ?)").execute(arguments: [
                merge.id, merge.survivor.rawValue, merge.merged.rawValue, merge.at.storeMilliseconds, try Self.encode(merge),
            ])

        case .disclosure(let item, let version, let at, let record):
            try countSharing(of: item.rawValue, sign: -1)
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO disclosure_decision (item_id, policy_version, decided_at, body, lawful_basis, sections_shown,
                                                            sections_withheld)
                VALUES (?1, ?2, ?3, ?4, json_extract(?4, '$.consent.basis'),
                        (SELECT COUNT(*) FROM json_each(?4, '$.sections') WHERE json_extract(value, '$.shown') = 1),
                        (SELECT COUNT(*) FROM json_each(?4, '$.sections') WHERE json_extract(value, '$.shown') = 0))
                """).execute(arguments: [item.rawValue, version, at.storeMilliseconds, record])
            try countSharing(of: item.rawValue, sign: 1)

        case .policyVersion(let version, let at, let files):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO policy_version (version, loaded_at, files) VALUES (?, ?, ?)").execute(arguments: [
                version, at.storeMilliseconds, files,
            ])

        case .unmerge(let merge):
            let move = try db.cachedStatement(sql: "UPDATE mention SET person_id = ? WHERE message_sequence = ? AND ref = ? AND person_id = ?")
            let itemsOfMessage = try db.cachedStatement(sql: "SELECT id FROM item WHERE message_sequence = ?")
            var itemIDs: [String] = []
            for key in merge.movedMentions {
                try move.execute(arguments: [merge.merged.rawValue, key.messageSequence, key.ref, merge.survivor.rawValue])
                itemIDs += try String.fetchAll(itemsOfMessage, arguments: [key.messageSequence])
            }
            try recomputeSubjects(of: itemIDs)
            let sequences = Set(merge.movedMentions.map(\.messageSequence))
            for name in merge.copiedFacts {
                guard let sequence = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT message_sequence FROM person_fact WHERE person_id = ? AND name = ?"),
                    arguments: [merge.survivor.rawValue, name]), sequences.contains(sequence)
                else { continue }
                try db.cachedStatement(sql: "DELETE FROM person_fact WHERE person_id = ? AND name = ?").execute(arguments: [merge.survivor.rawValue, name])
            }
            try db.cachedStatement(sql: "UPDATE person SET merged_into = NULL WHERE id = ?").execute(arguments: [merge.merged.rawValue])
            try db.cachedStatement(sql: "UPDATE person_merge SET body = ? WHERE id = ?").execute(arguments: [try Self.encode(merge), merge.id])

        case .fact(let person, let name, let value, let at, let sequence):
            if let value {
                try db.cachedStatement(sql: """
                    INSERT INTO person_fact (person_id, name, value, recorded_at, message_sequence) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (person_id, name) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at,
                        message_sequence = excluded.message_sequence
                    """).execute(arguments: [person.rawValue, name, value, at.storeMilliseconds, sequence])
            } else {
                try db.cachedStatement(sql: "DELETE FROM person_fact WHERE person_id = ? AND name = ?").execute(arguments: [person.rawValue, name])
            }

        case .access, .event:
            // Kept only in the audit log (the journal above).
            break

        case .saveUser(let user, _):
            try db.cachedStatement(sql: """
                INSERT INTO web_user (username, agency, role, disabled, body) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (username) DO UPDATE SET agency = excluded.agency, role = excluded.role, disabled = excluded.disabled,
                    body = excluded.body
                """).execute(arguments: [user.username, user.agency.rawValue, user.role.rawValue, user.disabled ? 1 : 0, try Self.encode(user)])

        case .saveSession(let session):
            try db.cachedStatement(sql: """
                INSERT INTO web_session (id, username, last_seen_at, body) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at, body = excluded.body
                """).execute(arguments: [session.id, session.username, session.lastSeenAt.storeMilliseconds, try Self.encode(session)])

        case .endSession(let id):
            try db.cachedStatement(sql: "DELETE FROM web_session WHERE id = ?").execute(arguments: [id])

        case .endSessions(let username):
            try db.cachedStatement(sql: "DELETE FROM web_session WHERE username = ?").execute(arguments: [username])
        }
    }

    // MARK: - Web UI accounts

    func user(_ username: String) throws -> WebUser? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM web_user WHERE username = ?"), arguments: [username])
            .map { try Self.decoder.decode(WebUser.self, from: Data($0.utf8)) }
    }

    func users() throws -> [WebUser] {
        try String.fetchAll(db, sql: "SELECT body FROM web_user ORDER BY username").map { try Self.decoder.decode(WebUser.self, from: Data($0.utf8)) }
    }

    func caseMessages(from sender: AgencyID, before: Int64?, limit: Int) throws -> [StoredMessage] {
        let kinds = MessageKind.allCases.filter(\.isCaseKind).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Self.messageColumns) FROM message
            WHERE sender_agency = ? AND sequence < ? AND kind IN (\(kinds))
            ORDER BY sequence DESC LIMIT ?
            """), arguments: [sender.rawValue, before ?? Int64.max, limit]).map(Self.storedMessage)
    }

    func session(_ id: String) throws -> WebSession? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM web_session WHERE id = ?"), arguments: [id])
            .map { try Self.decoder.decode(WebSession.self, from: Data($0.utf8)) }
    }

    func insertHistory(_ entry: ItemHistoryEntry) throws {
        try db.cachedStatement(sql: "INSERT INTO item_event (item_id, version, at, entry) VALUES (?, ?, ?, ?)").execute(arguments: [
            entry.itemID.rawValue, entry.version, entry.at.storeMilliseconds, try Self.encode(entry),
        ])
    }
}

/// A write lost a race with another (the item's version moved): nothing of the transaction is
/// kept, and the caller may retry.
public struct StoreConflict: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
