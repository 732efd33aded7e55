import BatonAudit
import BatonCore
import Foundation
import GRDB

/// The auditor's loop-health figures (LoopHealth.swift), read from the counters the writes keep
/// (SQLiteLoopCounters.swift) over the period's whole UTC days, so the cost grows with the days
/// in the period and the pairs of agencies, not with the items, messages and decisions in it.
///
/// - funnel, distributions, per-pair counts and referrer told: `loop_daily` (primary key range on day);
/// - overdue and "who does not answer whom": a scan of `item_open_due` (partial: open items only),
///   covering (what is overdue now cannot be counted ahead);
/// - re-referrals: `referral_day`, covering;
/// - demographics: `mention_subject_day`, covering (distinct children only for periods of up to
///   92 days: a distinct count cannot be added up from days);
/// - sharing: `sharing_daily`;
/// - audit: `audit_head_checkpoint`, and the Merkle tree's nodes for the checkpoint's root.
extension SQLiteTransaction {
    func loopHealth(_ query: LoopHealthQuery) throws -> LoopHealthFigures {
        let from = query.from.storeMilliseconds
        let to = query.to.storeMilliseconds
        let now = query.now.storeMilliseconds

        // Loop items created in the period, by sender and recipient: the funnel, both
        // distributions, told, and the pairs.
        let fromDay = Self.day(from), toDay = Self.day(to + Self.dayMilliseconds - 1)
        let columns = Self.loopCountColumns
        let periodSQL = """
            SELECT sender, recipient, \(columns.map { "SUM(\($0))" }.joined(separator: ", "))
            FROM loop_daily WHERE day >= ? AND day < ?
            GROUP BY sender, recipient
            """
        var received = 0, acknowledged = 0, decided = 0, outcome = 0, referrerTold = 0
        var acknowledgedBands = Array(repeating: 0, count: Self.bands)
        var outcomeBands = Array(repeating: 0, count: Self.bands)
        struct PairKey: Hashable {
            var sender: String
            var recipient: String
        }
        var pairs: [PairKey: LoopHealthFigures.PairRow] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: periodSQL), arguments: [fromDay, toDay]) {
            let counts = (0..<columns.count).map { (row[2 + $0] as Int?) ?? 0 }
            guard counts[0] != 0 else { continue }
            let key = PairKey(sender: row[0], recipient: row[1])
            received += counts[0]
            acknowledged += counts[1]
            decided += counts[2]
            outcome += counts[3]
            referrerTold += counts[4]
            for band in 0..<Self.bands {
                acknowledgedBands[band] += counts[5 + band]
                outcomeBands[band] += counts[5 + Self.bands + band]
            }
            pairs[key] = LoopHealthFigures.PairRow(
                sender: key.sender, recipient: key.recipient, overdue: 0, inPeriod: counts[0], unacknowledged: counts[0] - counts[1])
        }
        func within(_ bands: [Int]) -> [Int] { (0..<Self.bandLimits.count).map { bands[0...$0].reduce(0, +) } }
        let acknowledgedWithin = within(acknowledgedBands)
        let outcomeWithin = within(outcomeBands)

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
            reReferrals: try reReferrals(fromDay: fromDay, toDay: toDay),
            demographics: try demographics(fromDay: fromDay, toDay: toDay),
            sharing: try sharing(fromDay: fromDay, toDay: toDay),
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

    /// Referral messages received in the period, and those that were re-referrals when stored.
    func reReferrals(fromDay: Int64, toDay: Int64) throws -> LoopHealthFigures.ReReferrals {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*), COALESCE(SUM(again), 0) FROM referral WHERE day >= ? AND day < ?"),
            arguments: [fromDay, toDay])
        return LoopHealthFigures.ReReferrals(referrals: row?[0] ?? 0, reReferrals: row?[1] ?? 0)
    }

    /// Subject mentions of messages received in the period, and what their records lack.
    func demographics(fromDay: Int64, toDay: Int64) throws -> LoopHealthFigures.Demographics {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*), COALESCE(SUM(no_sex), 0), COALESCE(SUM(no_dob), 0), COALESCE(SUM(no_nhs), 0)
            FROM mention WHERE role = 'subject' AND day >= ? AND day < ?
            """), arguments: [fromDay, toDay])
        var children: Int?
        if toDay - fromDay <= LoopHealthFigures.Demographics.distinctDays {
            children = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(DISTINCT person_id) FROM mention WHERE role = 'subject' AND day >= ? AND day < ?"),
                arguments: [fromDay, toDay])
        }
        return LoopHealthFigures.Demographics(
            subjectMentions: row?[0] ?? 0, children: children, sexNotKnown: row?[1] ?? 0, dateOfBirthMissing: row?[2] ?? 0,
            nhsNumberMissing: row?[3] ?? 0)
    }

    /// Need-to-know decisions made in the period, by lawful basis (none recorded first).
    func sharing(fromDay: Int64, toDay: Int64) throws -> [LoopHealthFigures.SharingRow] {
        let sql = """
            SELECT basis, SUM(decisions), SUM(shown), SUM(withheld) FROM sharing_daily WHERE day >= ? AND day < ?
            GROUP BY basis
            """
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [fromDay, toDay]).compactMap { row -> LoopHealthFigures.SharingRow? in
            let basis: String = row[0]
            let decisions: Int = row[1]
            guard decisions != 0 else { return nil }
            return LoopHealthFigures.SharingRow(basis: basis.isEmpty ? nil : basis, decisions: decisions, sectionsShown: row[2], sectionsWithheld: row[3])
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
