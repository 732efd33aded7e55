import BatonCore
import Foundation

/// Estimates a ``MatchModel``'s parameters from unlabelled records, as Splink does:
///
/// 1. **u** from random pairs of records: almost every random pair is two different people, so
///    how often each level occurs among them is the non-match distribution.
/// 2. **m** by expectation–maximisation with u held fixed, in two sessions: over pairs that share
///    a date of birth (for every field but the date) and over pairs that share a surname and
///    initial (for every field but the names).
/// 3. The **prior** (the chance that two records picked at random are one person) from the
///    matches expected among the date-of-birth pairs, over all possible pairs.
///
/// Thresholds are a policy decision, not an estimate: they are kept from the model given.
public struct Estimator: Sendable {
    public var comparator: Comparator
    public var randomPairs: Int
    public var iterations: Int
    public var seed: UInt64

    public init(comparator: Comparator, randomPairs: Int = 300_000, iterations: Int = 25, seed: UInt64 = 1) {
        self.comparator = comparator
        self.randomPairs = randomPairs
        self.iterations = iterations
        self.seed = seed
    }

    public struct Report: Sendable {
        public var model: MatchModel
        public var records: Int
        public var blockedPairs: Int
        public var expectedMatches: Double
        public var iterations: Int
    }

    public func estimate(from index: PersonIndex, starting model: MatchModel) -> Report {
        let records = index.allRecords()
        var generator = SeededGenerator(seed: seed)

        // 1. u from random pairs.
        var uCounts = MatchField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        if records.count > 1 {
            for _ in 0..<randomPairs {
                let i = Int(generator.next() % UInt64(records.count))
                var j = Int(generator.next() % UInt64(records.count))
                if i == j { j = (j + 1) % records.count }
                let vector = comparator.compare(records[i], records[j])
                for (f, level) in vector.levels.enumerated() { if let level { uCounts[f][level] += 1 } }
            }
        }
        let u = uCounts.map(Self.normalised)

        // 2. m by EM, in two sessions as Splink trains: pairs that share a date of birth (which
        //    teach the name fields) and pairs that share a surname and initial (which teach the
        //    date of birth). Within a session the fields it blocked on agree by construction and
        //    teach nothing, so they are left out of it.
        let start = MatchField.allCases.map { model.parameters[$0]?.m ?? Self.defaultM(levels: $0.levels.count) }
        let byDate = pairs(records) { record in record.dob.map { "\($0.year)-\(min($0.day, $0.month))-\(max($0.day, $0.month))" } }
        let byName = pairs(records) { record in
            guard let surname = record.surname.first, let initial = record.firstGiven?.first else { return nil }
            return "\(surname) \(initial)"
        }
        let dateSession = em(byDate, u: u, start: start, excluding: [.dob])
        let nameSession = em(byName, u: u, start: start, excluding: [.given, .surname])
        var m = start
        for (f, field) in MatchField.allCases.enumerated() {
            switch field {
            case .dob: m[f] = nameSession.m[f]
            case .given, .surname: m[f] = dateSession.m[f]
            default: m[f] = zip(dateSession.m[f], nameSession.m[f]).map { ($0 + $1) / 2 }
            }
        }

        // 3. The prior: matches expected among the date-of-birth pairs, scaled up by the share
        //    of true matches whose dates agree that closely, over all possible pairs.
        let dob = MatchField.allCases.firstIndex(of: .dob)!
        let dateRecall = max(m[dob][0] + m[dob][1], 0.05)
        let expected = dateSession.expected / dateRecall
        let allPairs = Double(records.count) * Double(max(records.count - 1, 1)) / 2
        let prior = min(max(expected / max(allPairs, 1), 1e-9), 0.5)
        var parameters: [MatchField: MatchModel.Parameters] = [:]
        for (f, field) in MatchField.allCases.enumerated() {
            parameters[field] = MatchModel.Parameters(m: m[f], u: u[f])
        }
        let estimated = MatchModel(prior: prior, linkThreshold: model.linkThreshold, reviewThreshold: model.reviewThreshold, parameters: parameters)
        return Report(
            model: estimated, records: records.count, blockedPairs: byDate.count + byName.count, expectedMatches: expected,
            iterations: dateSession.rounds + nameSession.rounds)
    }

    /// Pairs of records that share `key` (groups over 500 are skipped: too common to say anything).
    func pairs(_ records: [MatchRecord], key: (MatchRecord) -> String?) -> [ComparisonVector] {
        var groups: [String: [Int]] = [:]
        for (i, record) in records.enumerated() { if let k = key(record) { groups[k, default: []].append(i) } }
        var vectors: [ComparisonVector] = []
        for members in groups.values where members.count > 1 && members.count <= 500 {
            for a in 0..<members.count {
                for b in (a + 1)..<members.count { vectors.append(comparator.compare(records[members[a]], records[members[b]])) }
            }
        }
        return vectors
    }

    /// Expectation–maximisation of m (u fixed) over one session's pairs.
    func em(_ vectors: [ComparisonVector], u: [[Double]], start: [[Double]], excluding: Set<MatchField>) -> (m: [[Double]], expected: Double, rounds: Int) {
        let used = MatchField.allCases.map { !excluding.contains($0) }
        var m = start
        var share = 0.05
        var rounds = 0
        var expected = 0.0
        for _ in 0..<iterations {
            rounds += 1
            var mCounts = MatchField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
            var total = 0.0
            let logShare = log(share), logOther = log(1 - share)
            for vector in vectors {
                var lm = logShare
                var lu = logOther
                // Counted as the model weighs them (one move, not three).
                vector.forEachCounted(including: { used[$0] }, strength: { log(max(m[$0][$1], 1e-12)) - log(max(u[$0][$1], 1e-12)) }) { f, level in
                    lm += log(max(m[f][level], 1e-12))
                    lu += log(max(u[f][level], 1e-12))
                }
                let p = 1 / (1 + exp(lu - lm))
                total += p
                for (f, level) in vector.levels.enumerated() where used[f] { if let level { mCounts[f][level] += p } }
            }
            var newM = m
            for f in m.indices where used[f] { newM[f] = Self.normalised(mCounts[f]) }
            let change = zip(newM, m).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            m = newM
            expected = total
            share = vectors.isEmpty ? share : min(max(total / Double(vectors.count), 1e-6), 1 - 1e-6)
            if change < 1e-5 { break }
        }
        return (m, expected, rounds)
    }

    /// Counts to probabilities, with a small pseudo-count so that no level is impossible.
    static func normalised(_ counts: [Double]) -> [Double] {
        let smoothing = 0.5
        let total = counts.reduce(0, +) + smoothing * Double(counts.count)
        return counts.map { ($0 + smoothing) / total }
    }

    /// A starting point for m: most matches agree exactly, few disagree.
    static func defaultM(levels: Int) -> [Double] {
        var m = [Double](repeating: 0.1 / Double(max(levels - 1, 1)), count: levels)
        m[0] = 0.9
        return m
    }
}
