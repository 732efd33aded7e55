import BatonCore
import Foundation
import GRDB

/// The message being stored while its decider runs (its row is inserted after the decider, with
/// the receipt): what a mention's counters need to know of it.
final class IntakeContext {
    var sequence: Int64 = 0
    var kind: MessageKind = .referral
    var receivedAt = Date(timeIntervalSince1970: 0)
}

/// Loop health's counters, kept up to date by the writes that change what they count, so that the
/// auditor's page reads a few hundred rows per month of period instead of every item
/// (SQLiteLoopHealth.swift; migration "8-loop-counters"):
///
/// - `loop_daily`: per day an item was created (UTC), sender and recipient, the loop items
///   received, acknowledged, decided, with an outcome and told to the referrer, and the times to
///   acknowledge and to outcome by band. An item's contribution is recomputed on every change to
///   it (and to its outcome feedback), and only the difference is written.
/// - `referral`: one row per referral message, with whether it was a re-referral when it was
///   stored (a subject child had another referral in the 365 days before).
/// - `mention.day`: the day the message naming a subject was received (demographics).
/// - `sharing_daily`: per day and lawful basis, need-to-know decisions and sections shown and
///   withheld.
extension SQLiteTransaction {
    static let dayMilliseconds: Int64 = 86_400_000
    /// Band limits (ms) of the durations, as ``LoopHealthFigures/distributionBounds``.
    static let bandLimits: [Int64] = LoopHealthFigures.distributionBounds.compactMap(\.upper).map { Int64($0 * 1000) }
    static let bands = LoopHealthFigures.distributionBounds.count
    static let loopCountColumns = ["received", "acknowledged", "decided", "outcome", "told"]
        + (0..<bands).map { "ack_\($0)" } + (0..<bands).map { "out_\($0)" }

    static func day(_ milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / dayMilliseconds : (milliseconds - dayMilliseconds + 1) / dayMilliseconds
    }

    static func band(_ duration: Int64) -> Int {
        bandLimits.firstIndex { duration < $0 } ?? bandLimits.count
    }

    /// What one item adds to `loop_daily`: its key and a count per column (nil if it is not a loop item).
    struct LoopContribution: Equatable {
        var day: Int64
        var sender: String
        var recipient: String
        var counts: [Int]
    }

    /// The loop-relevant columns of an item, as stored or about to be.
    struct LoopFields {
        var createdAt: Int64
        var kind: String
        var purpose: String
        var status: String
        var sender: String
        var recipient: String
        var acknowledgedAt: Int64?
        var decidedAt: Int64?
        var outcomeAt: Int64?

        init(_ item: Item) {
            createdAt = item.createdAt.storeMilliseconds
            kind = item.kind.rawValue
            purpose = item.purpose
            status = item.state.status.rawValue
            sender = item.messageSender.rawValue
            recipient = item.recipient.rawValue
            acknowledgedAt = item.state.acknowledgedAt?.storeMilliseconds
            decidedAt = (item.state.decision ?? item.state.outcome)?.at.storeMilliseconds
            outcomeAt = item.state.outcome?.at.storeMilliseconds
        }

        init(_ row: Row) {
            createdAt = row["created_at"]
            kind = row["kind"]
            purpose = row["purpose"]
            status = row["status"]
            sender = row["sender"] ?? ""
            recipient = row["recipient"]
            acknowledgedAt = row["acknowledged_at"]
            decidedAt = row["decided_at"]
            outcomeAt = row["outcome_at"]
        }

        /// A loop item (LoopHealth.swift): routed work or triage, not the hub's own, not entered in error.
        var isLoopItem: Bool {
            kind == ItemKind.action.rawValue && !LoopHealthFigures.hubPurposeSet.contains(purpose) && status != ItemStatus.enteredInError.rawValue
        }

        func contribution(told: Bool) -> LoopContribution? {
            guard isLoopItem else { return nil }
            var counts = Array(repeating: 0, count: SQLiteTransaction.loopCountColumns.count)
            counts[0] = 1
            if let acknowledgedAt {
                counts[1] = 1
                counts[5 + SQLiteTransaction.band(acknowledgedAt - createdAt)] = 1
            }
            if decidedAt != nil { counts[2] = 1 }
            if let outcomeAt {
                counts[3] = 1
                counts[5 + SQLiteTransaction.bands + SQLiteTransaction.band(outcomeAt - createdAt)] = 1
            }
            if told { counts[4] = 1 }
            return LoopContribution(day: SQLiteTransaction.day(createdAt), sender: sender, recipient: recipient, counts: counts)
        }
    }

    static let loopFieldColumns = "created_at, kind, purpose, status, sender, recipient, acknowledged_at, decided_at, outcome_at"

    func loopFields(of id: String) throws -> LoopFields? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.loopFieldColumns) FROM item WHERE id = ?"), arguments: [id]).map(LoopFields.init)
    }

    /// Adds `sign` × `contribution` to its `loop_daily` row.
    func addLoop(_ contribution: LoopContribution, sign: Int) throws {
        let columns = Self.loopCountColumns
        let sql = """
            INSERT INTO loop_daily (day, sender, recipient, \(columns.joined(separator: ", ")))
            VALUES (?, ?, ?, \(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (day, sender, recipient) DO UPDATE SET \(columns.map { "\($0) = loop_daily.\($0) + excluded.\($0)" }.joined(separator: ", "))
            """
        let values: [any DatabaseValueConvertible] = [contribution.day, contribution.sender, contribution.recipient] + contribution.counts.map { $0 * sign }
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
    }

    /// Whether an item's outcome was fed back to the referrer: a completed outcome-feedback item
    /// about it (other than `excluding`).
    func told(_ id: String, excluding: String? = nil) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM item WHERE related_item = ? AND purpose = 'outcome-feedback' AND status = 'completed' AND id <> ?)
            """), arguments: [id, excluding ?? ""]) ?? false
    }

    /// Whether a change to `item` can move `loop_daily`: loop work (kind and purpose never change,
    /// so nothing else ever counts) or the outcome feedback that tells its referrer. Updates of
    /// other items skip reading the stored row.
    static func mayCount(_ item: Item) -> Bool {
        (item.kind == .action && !LoopHealthFigures.hubPurposeSet.contains(item.purpose)) || item.purpose == SystemPurpose.outcomeFeedback
    }

    /// Keeps `loop_daily` right for a change to `item` from `old` (nil when it is new). Call
    /// before the item's row is written.
    func countLoop(_ item: Item, old: LoopFields?) throws {
        let new = LoopFields(item)
        if old?.isLoopItem == true || new.isLoopItem {
            // Told changes only through the feedback (below), so it cancels unless the item
            // becomes, or stops being, a loop item; a new item has no feedback yet.
            let told = if let old, old.isLoopItem != new.isLoopItem { try self.told(item.id.rawValue) } else { false }
            let before = old?.contribution(told: told)
            let after = new.contribution(told: told)
            if before != after {
                if let before { try addLoop(before, sign: -1) }
                if let after { try addLoop(after, sign: 1) }
            }
        }
        // Outcome feedback delivered (or, in principle, undone): the item it is about was told.
        guard item.purpose == SystemPurpose.outcomeFeedback, let related = item.relatedItem?.rawValue else { return }
        let wasCompleted = old?.status == ItemStatus.completed.rawValue
        let isCompleted = item.state.status == .completed
        guard wasCompleted != isCompleted, let original = try loopFields(of: related), original.isLoopItem,
            try !told(related, excluding: item.id.rawValue)
        else { return }
        var change = LoopContribution(day: Self.day(original.createdAt), sender: original.sender, recipient: original.recipient,
            counts: Array(repeating: 0, count: Self.loopCountColumns.count))
        change.counts[4] = 1
        try addLoop(change, sign: isCompleted ? 1 : -1)
    }

    /// The day a subject mention's message was received, and a re-referral check for a referral.
    func countMention(_ link: MentionLink) throws -> Int64? {
        let receivedAt: Date
        let kind: MessageKind
        if let context = intake, context.sequence == link.messageSequence {
            receivedAt = context.receivedAt
            kind = context.kind
        } else if let message = try message(sequence: link.messageSequence) {
            receivedAt = message.receivedAt
            kind = message.kind
        } else {
            return nil
        }
        let received = receivedAt.storeMilliseconds
        guard link.role == "subject", kind == .referral else { return Self.day(received) }
        try db.cachedStatement(sql: "INSERT INTO referral (message_sequence, day, received_at, again) VALUES (?, ?, ?, 0) ON CONFLICT (message_sequence) DO NOTHING")
            .execute(arguments: [link.messageSequence, Self.day(received), received])
        let previous = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT MAX(r.received_at) FROM mention p JOIN referral r ON r.message_sequence = p.message_sequence
            WHERE p.person_id = ? AND p.role = 'subject' AND p.message_sequence < ?
            """), arguments: [link.person.rawValue, link.messageSequence])
        if let previous, received - previous <= 365 * Self.dayMilliseconds {
            try db.cachedStatement(sql: "UPDATE referral SET again = 1 WHERE message_sequence = ?").execute(arguments: [link.messageSequence])
        }
        return Self.day(received)
    }

    /// Adds (`sign` 1) or takes away (-1) the stored need-to-know decision about `item`, if any,
    /// to or from `sharing_daily`: taken away before a decision is replaced, added after it is written.
    func countSharing(of item: String, sign: Int) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT decided_at, lawful_basis, sections_shown, sections_withheld FROM disclosure_decision WHERE item_id = ?
            """), arguments: [item]) else { return }
        try addSharing(day: Self.day(row["decided_at"]), basis: row["lawful_basis"], shown: row["sections_shown"], withheld: row["sections_withheld"], sign: sign)
    }

    func addSharing(day: Int64, basis: String?, shown: Int, withheld: Int, sign: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sharing_daily (day, basis, decisions, shown, withheld) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (day, basis) DO UPDATE SET decisions = sharing_daily.decisions + excluded.decisions,
                shown = sharing_daily.shown + excluded.shown, withheld = sharing_daily.withheld + excluded.withheld
            """).execute(arguments: [day, basis ?? "", sign, sign * shown, sign * withheld])
    }
}
