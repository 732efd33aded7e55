import BatonAudit
import BatonCore
import Foundation
import GRDB

/// The auditor's loop-health figures (LoopHealth.swift). Every figure is an aggregate over an
/// index (migrations "6-web" and "7-loop-health"); no JSON body is parsed. The statements are
/// portable SQL (no SQLite-only functions), so the PostgreSQL store can run them as they are.
///
/// Indexes used (EXPLAIN QUERY PLAN):
/// - funnel, distributions and per-pair period counts: one range scan of `item_loop`
///   (`created_at`), covering; grouped by sender and recipient.
/// - referrer told: `item_outcome` (partial, outcome reached; covering, with the id) and, per
///   item, a probe of `item_feedback` (partial: completed outcome feedback, by `related_item`).
/// - overdue and "who does not answer whom": a range scan of `item_overdue` (`is_open = 1`,
///   `due_at <= now`), covering.
/// - re-referrals: `message_kind_received` (referrals in the period), then per referral
///   `mention_subject` (its subjects), `mention_subject_person` (their earlier subject mentions)
///   and the message's primary key (CROSS JOIN keeps that order in SQLite; an inner join elsewhere).
/// - demographics: `message_received` (messages in the period), then `mention_subject`, covering.
/// - sharing: a range scan of `disclosure_period`, covering.
/// - audit: `audit_head_checkpoint`, and the Merkle tree's nodes for the checkpoint's root.
extension SQLiteTransaction {
    func loopHealth(_ query: LoopHealthQuery) throws -> LoopHealthFigures {
        let from = query.from.storeMilliseconds
        let to = query.to.storeMilliseconds
        let now = query.now.storeMilliseconds

        // Loop items created in the period: the funnel, both distributions and the pairs, in one
        // pass. Durations are bucketed by cumulative counts ("acknowledged within 1 hour", …).
        let hubPurposes = LoopHealthFigures.hubPurposes
        let hubPlaceholders = Array(repeating: "?", count: hubPurposes.count).joined(separator: ", ")
        let loopItems = "kind = 'action' AND purpose NOT IN (\(hubPlaceholders)) AND status <> 'entered-in-error'"
        let bounds = LoopHealthFigures.distributionBounds.compactMap(\.upper).map { Int64($0 * 1000) }
        let within = { (column: String) in
            bounds.map { "COUNT(CASE WHEN \(column) < created_at + \($0) THEN 1 END)" }.joined(separator: ", ")
        }
        let periodSQL = """
            SELECT sender, recipient, COUNT(*), COUNT(acknowledged_at), COUNT(decided_at), COUNT(outcome_at),
                   \(within("acknowledged_at")), \(within("outcome_at"))
            FROM item
            WHERE created_at >= ? AND created_at < ? AND \(loopItems)
            GROUP BY sender, recipient
            """
        var received = 0, acknowledged = 0, decided = 0, outcome = 0
        var acknowledgedWithin = Array(repeating: 0, count: bounds.count)
        var outcomeWithin = Array(repeating: 0, count: bounds.count)
        struct PairKey: Hashable {
            var sender: String
            var recipient: String
        }
        var pairs: [PairKey: LoopHealthFigures.PairRow] = [:]
        let periodArguments = StatementArguments([from as any DatabaseValueConvertible, to] + hubPurposes.map { $0 as any DatabaseValueConvertible })
        for row in try Row.fetchAll(db.cachedStatement(sql: periodSQL), arguments: periodArguments) {
            let key = PairKey(sender: (row[0] as String?) ?? "", recipient: row[1])
            let count: Int = row[2]
            let acknowledgedCount: Int = row[3]
            received += count
            acknowledged += acknowledgedCount
            decided += row[4] as Int
            outcome += row[5] as Int
            for index in bounds.indices {
                acknowledgedWithin[index] += row[6 + index] as Int
                outcomeWithin[index] += row[6 + bounds.count + index] as Int
            }
            pairs[key] = LoopHealthFigures.PairRow(
                sender: key.sender, recipient: key.recipient, overdue: 0, inPeriod: count, unacknowledged: count - acknowledgedCount)
        }

        // Referrer told: loop items of the period with an outcome whose feedback was completed.
        let toldSQL = """
            SELECT COUNT(*) FROM item i
            WHERE i.outcome_at IS NOT NULL AND i.created_at >= ? AND i.created_at < ? AND i.kind = 'action'
              AND i.purpose NOT IN (\(hubPlaceholders)) AND i.status <> 'entered-in-error'
              AND EXISTS (SELECT 1 FROM item f WHERE f.related_item = i.id AND f.purpose = 'outcome-feedback' AND f.status = 'completed')
            """
        let referrerTold = try Int.fetchOne(db.cachedStatement(sql: toldSQL), arguments: periodArguments) ?? 0

        // Open overdue items now (any period, any kind), by recipient, sender and band.
        let bandCases = LoopHealthFigures.OverdueBand.allCases
        // Overdue by less than `bound` ⇔ due after `now - bound`.
        let bandSQL = bandCases.enumerated().map { index, band in
            band.upperBound == nil ? "ELSE \(index)" : "WHEN due_at > ? THEN \(index)"
        }.joined(separator: " ")
        let overdueSQL = """
            SELECT recipient, sender, CASE \(bandSQL) END AS band, COUNT(*)
            FROM item WHERE is_open = 1 AND due_at <= ?
            GROUP BY recipient, sender, band
            """
        let bandArguments = bandCases.compactMap(\.upperBound).map { now - $0 }
        var overdue: [String: [Int]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: overdueSQL), arguments: StatementArguments(bandArguments + [now])) {
            let recipient: String = row[0]
            let key = PairKey(sender: (row[1] as String?) ?? "", recipient: recipient)
            let band: Int = row[2]
            let count: Int = row[3]
            overdue[recipient, default: Array(repeating: 0, count: bandCases.count)][band] += count
            pairs[key, default: LoopHealthFigures.PairRow(sender: key.sender, recipient: recipient, overdue: 0, inPeriod: 0, unacknowledged: 0)]
                .overdue += count
        }

        return LoopHealthFigures(
            funnel: LoopHealthFigures.Funnel(
                received: received, acknowledged: acknowledged, decided: decided, outcome: outcome, referrerTold: referrerTold),
            overdue: overdue.map { LoopHealthFigures.OverdueRow(agency: $0.key, bands: $0.value) }
                .sorted { ($0.total, $1.agency) > ($1.total, $0.agency) },
            pairs: pairs.values.sorted { ($0.overdue, $0.unacknowledged, $1.sender, $1.recipient) > ($1.overdue, $1.unacknowledged, $0.sender, $0.recipient) },
            timeToAcknowledge: Self.distribution(within: acknowledgedWithin, total: acknowledged),
            timeToOutcome: Self.distribution(within: outcomeWithin, total: outcome),
            reReferrals: try reReferrals(query),
            demographics: try demographics(query),
            sharing: try sharing(from: from, to: to),
            audit: try auditState())
    }

    /// Buckets from cumulative counts ("within 1 hour", "within 4 hours", …) and the total.
    static func distribution(within: [Int], total: Int) -> LoopHealthFigures.Distribution {
        var buckets: [LoopHealthFigures.Distribution.Bucket] = []
        var below = 0
        var lower: TimeInterval = 0
        for (index, bound) in LoopHealthFigures.distributionBounds.enumerated() {
            let cumulative = index < within.count ? within[index] : total
            buckets.append(.init(label: bound.label, lower: lower, upper: bound.upper, count: cumulative - below))
            below = cumulative
            lower = bound.upper ?? lower
        }
        return LoopHealthFigures.Distribution(buckets: buckets)
    }

    /// Referral messages received in the period; a re-referral when a subject child was the
    /// subject of an earlier referral received in the 365 days before it. The latest earlier
    /// referral of any subject comes from SQL; the window is compared here (received_at is text).
    func reReferrals(_ query: LoopHealthQuery) throws -> LoopHealthFigures.ReReferrals {
        let sql = """
            SELECT r.received_at,
                   (SELECT MAX(pm.received_at) FROM mention s
                      CROSS JOIN mention p ON p.person_id = s.person_id AND p.role = 'subject' AND p.message_sequence < s.message_sequence
                      CROSS JOIN message pm ON pm.sequence = p.message_sequence
                    WHERE s.message_sequence = r.sequence AND s.role = 'subject' AND pm.kind = 'referral')
            FROM message r
            WHERE r.kind = 'referral' AND r.received_at >= ? AND r.received_at < ?
            """
        var referrals = 0
        var again = 0
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: sql), arguments: [RFC3339.format(query.from), RFC3339.format(query.to)])
        while let row = try rows.next() {
            referrals += 1
            guard let previousText = row[1] as String?, let previous = RFC3339.parse(previousText),
                let receivedAt = RFC3339.parse(row[0] as String)
            else { continue }
            if receivedAt.timeIntervalSince(previous) <= 365 * 86_400 { again += 1 }
        }
        return LoopHealthFigures.ReReferrals(referrals: referrals, reReferrals: again)
    }

    /// Subject mentions of messages received in the period, and what their records lack.
    func demographics(_ query: LoopHealthQuery) throws -> LoopHealthFigures.Demographics {
        let sql = """
            SELECT COUNT(*), COUNT(DISTINCT s.person_id), COALESCE(SUM(s.no_sex), 0), COALESCE(SUM(s.no_dob), 0),
                   COALESCE(SUM(s.no_nhs), 0)
            FROM message m CROSS JOIN mention s ON s.message_sequence = m.sequence AND s.role = 'subject'
            WHERE m.received_at >= ? AND m.received_at < ?
            """
        let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [RFC3339.format(query.from), RFC3339.format(query.to)])
        return LoopHealthFigures.Demographics(
            subjectMentions: row?[0] ?? 0, children: row?[1] ?? 0, sexNotKnown: row?[2] ?? 0, dateOfBirthMissing: row?[3] ?? 0,
            nhsNumberMissing: row?[4] ?? 0)
    }

    /// Need-to-know decisions made in the period, by lawful basis (none recorded first).
    func sharing(from: Int64, to: Int64) throws -> [LoopHealthFigures.SharingRow] {
        let sql = """
            SELECT lawful_basis, COUNT(*), COALESCE(SUM(sections_shown), 0), COALESCE(SUM(sections_withheld), 0)
            FROM disclosure_decision WHERE decided_at >= ? AND decided_at < ?
            GROUP BY lawful_basis
            """
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [from, to]).map { row in
            LoopHealthFigures.SharingRow(basis: row[0], decisions: row[1], sectionsShown: row[2], sectionsWithheld: row[3])
        }.sorted { ($0.basis ?? "") < ($1.basis ?? "") }
    }

    /// The log's size, its latest checkpoint, and whether the stored tree has the checkpoint's
    /// root at its size (a missing node counts as a mismatch).
    func auditState() throws -> LoopHealthFigures.Audit {
        let size = try auditSize()
        guard let checkpoint = try latestCheckpoint() else {
            return LoopHealthFigures.Audit(logSize: size, checkpoint: nil, storedRootMatches: nil)
        }
        let matches: Bool
        if checkpoint.size > size {
            matches = false
        } else if let root = try? Merkle.root(size: Int(checkpoint.size), in: self) {
            matches = root == checkpoint.root
        } else {
            matches = false
        }
        return LoopHealthFigures.Audit(logSize: size, checkpoint: checkpoint, storedRootMatches: matches)
    }
}
