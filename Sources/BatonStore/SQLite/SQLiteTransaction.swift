import BatonCore
import Foundation
import GRDB

/// ``StoreReader`` and ``StoreTransaction`` on one GRDB database connection. SQL is kept plain and
/// portable (the PostgreSQL store runs the same statements with `$n` placeholders); instants are
/// integer milliseconds; an item's full state is its JSON `body`, with the columns the inbox and
/// the sweeper query kept beside it.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

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

    func person(identifier kind: String, value: String) throws -> PersonID? {
        let statement = try db.cachedStatement(sql: "SELECT person_id FROM person_identifier WHERE kind = ? AND value = ?")
        return try String.fetchOne(statement, arguments: [kind, value]).flatMap(PersonID.init(rawValue:))
    }

    func facts(of person: PersonID) throws -> [String: String] {
        let statement = try db.cachedStatement(sql: "SELECT name, value FROM person_fact WHERE person_id = ?")
        var facts: [String: String] = [:]
        for row in try Row.fetchAll(statement, arguments: [person.rawValue]) { facts[row[0]] = row[1] }
        return facts
    }

    func openItemCount(about person: PersonID) throws -> Int {
        let statement = try db.cachedStatement(sql: """
            SELECT COUNT(*) FROM item_subject s JOIN item i ON i.id = s.item_id WHERE s.person_id = ? AND i.is_open = 1
            """)
        return try Int.fetchOne(statement, arguments: [person.rawValue]) ?? 0
    }

    func mentions(messageSequence: Int64) throws -> [MentionLink] {
        let statement = try db.cachedStatement(sql: """
            SELECT message_sequence, ref, person_id, role, match FROM mention WHERE message_sequence = ? ORDER BY ref
            """)
        return try Row.fetchAll(statement, arguments: [messageSequence]).compactMap { row in
            guard let person = PersonID(rawValue: row[2]), let match = MatchOutcome(rawValue: row[4]) else { return nil }
            return MentionLink(messageSequence: row[0], ref: row[1], person: person, role: row[3], match: match)
        }
    }

    // MARK: - Writes

    func apply(_ write: StoreWrite) throws {
        switch write {
        case .insertItem(let item, let subjects, let history):
            try db.cachedStatement(sql: """
                INSERT INTO item (id, message_sequence, recipient, purpose, kind, status, is_open, risk_rank, due_at, next_check_at,
                                  escalation_level, related_item, created_at, updated_at, version, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    item.id.rawValue, item.messageSequence, item.recipient.rawValue, item.purpose, item.kind.rawValue,
                    item.state.status.rawValue, item.isOpen ? 1 : 0, item.riskRank, item.dueAtKey,
                    item.nextCheckAt(after: history.at)?.storeMilliseconds, item.state.escalation?.level ?? 0,
                    item.relatedItem?.rawValue, item.createdAt.storeMilliseconds, history.at.storeMilliseconds,
                    item.state.version, try Self.encode(item),
                ])
            let subject = try db.cachedStatement(sql: "INSERT OR IGNORE INTO item_subject (item_id, person_id) VALUES (?, ?)")
            for person in subjects { try subject.execute(arguments: [item.id.rawValue, person.rawValue]) }
            try insertHistory(history)

        case .updateItem(let item, let history):
            try db.cachedStatement(sql: """
                UPDATE item SET status = ?, is_open = ?, due_at = ?, next_check_at = ?, escalation_level = ?, updated_at = ?,
                                version = ?, body = ?
                WHERE id = ? AND version = ?
                """).execute(arguments: [
                    item.state.status.rawValue, item.isOpen ? 1 : 0, item.dueAtKey,
                    item.nextCheckAt(after: history.at)?.storeMilliseconds, item.state.escalation?.level ?? 0,
                    history.at.storeMilliseconds, item.state.version, try Self.encode(item), item.id.rawValue, item.state.version - 1,
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
            try db.cachedStatement(sql: """
                INSERT INTO mention (message_sequence, ref, person_id, role, match) VALUES (?, ?, ?, ?, ?)
                """).execute(arguments: [link.messageSequence, link.ref, link.person.rawValue, link.role, link.match.rawValue])

        case .identifier(let kind, let value, let person):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO person_identifier (kind, value, person_id) VALUES (?, ?, ?)").execute(arguments: [
                kind, value, person.rawValue,
            ])

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
        }
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
