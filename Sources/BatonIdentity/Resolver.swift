import BatonCore
import Foundation

/// Why an automatic link was refused. Hard vetoes mean "certainly not the same person" and take
/// the candidate out; soft ones mean "a person must look": the pair may still go to review.
public enum Veto: String, Sendable, Hashable, Codable, CaseIterable {
    /// Two different valid NHS numbers: two people (hard).
    case differentNHSNumbers = "different-nhs-numbers"
    /// Same family name and home, the same date of birth or one a typo away, and given names that
    /// are not variants of each other: twins, or a brother or sister (hard).
    case twins
    /// Both sexes recorded, and they differ (soft).
    case sexConflict = "sex-conflict"
    /// Both dates of birth recorded, and not a plausible typo of each other (soft).
    case datesOfBirthDiffer = "dates-of-birth-differ"

    public var isHard: Bool { self == .differentNHSNumbers || self == .twins }
}

/// One person the mention was compared with: the best of their records.
public struct ScoredCandidate: Sendable {
    public var person: UUID
    public var probability: Double
    public var weight: Double
    /// The field-by-field comparison with the person's closest record.
    public var comparison: ComparisonVector
    public var vetoes: [Veto]
}

/// What became of a mention.
public struct Resolution: Sendable {
    public enum Outcome: Sendable, Equatable {
        case linked(UUID)
        case new
        /// Uncertain: a person decides whether it is `candidate`. Until then the mention is a
        /// person of its own.
        case review(candidate: UUID)
    }

    public var outcome: Outcome
    /// `identifier` (agreeing NHS number, UPN or local id) or `score`.
    public var basis: String
    /// The closest candidates, best first (at most five).
    public var candidates: [ScoredCandidate]

    public var matchOutcome: MatchOutcome {
        switch outcome {
        case .linked: .linked
        case .new: .new
        case .review: .review
        }
    }
}

/// Links a normalised mention to a person: deterministically where identifiers agree, otherwise
/// by Fellegi–Sunter scoring of the blocked candidates, with vetoes. Precision comes first: a
/// false link shares one child's information into another child's record.
public struct Resolver: Sendable {
    public let model: MatchModel
    public let comparator: Comparator
    private let weights: [[Double]]

    public init(model: MatchModel, nicknames: Nicknames) {
        self.model = model
        self.comparator = Comparator(nicknames: nicknames)
        self.weights = model.weights
    }

    /// A mention scored against the index as it stood at `mark`, ahead of the transaction that
    /// links it (scoring is the expensive part and needs no lock on the store).
    public struct Prepared: Sendable {
        public var record: MatchRecord
        public var mark: PersonIndex.Mark
        /// Every candidate without a hard veto, scored.
        public var scored: [ScoredCandidate]
    }

    /// Scores `record` against its blocked candidates now.
    public func prepare(_ record: MatchRecord, in index: PersonIndex) -> Prepared {
        let (candidates, mark) = index.markedCandidates(for: record)
        let scored = candidates.map { person, records in score(record, against: person, records: records) }
            .filter { !$0.vetoes.contains(where: \.isHard) }
        return Prepared(record: record, mark: mark, scored: scored)
    }

    public func resolve(_ record: MatchRecord, in index: PersonIndex) -> Resolution {
        resolve(prepare(record, in: index), in: index)
    }

    /// Decides a prepared mention against the index as it is now: people whose records were added
    /// since it was prepared (a message about the same child a moment earlier) are scored too;
    /// after a removal or a merge it is scored again from the start. The result is what
    /// ``resolve(_:in:)`` would give now.
    public func resolve(_ prepared: Prepared, in index: PersonIndex) -> Resolution {
        let record = prepared.record
        var prepared = prepared
        if index.mark.mutations != prepared.mark.mutations {
            prepared = prepare(record, in: index)
        } else {
            let fresh = index.appended(since: prepared.mark, sharingKeysWith: record)
            if !fresh.isEmpty {
                prepared.scored.removeAll { fresh[$0.person] != nil }
                prepared.scored += fresh.map { person, records in score(record, against: person, records: records) }
                    .filter { !$0.vetoes.contains(where: \.isHard) }
            }
        }

        // 1. Identifiers that agree exactly (valid NHS number, UPN, same local id) decide, unless
        //    the person holds a different valid NHS number.
        let deterministic = record.deterministicIdentifiers
        if !deterministic.isEmpty {
            let holders = index.persons(holding: deterministic).filter { person in
                !index.records(of: person).contains { other in
                    if let a = record.nhs, let b = other.nhs { return a != b }
                    return false
                }
            }
            if holders.count == 1 {
                // Agreeing identifiers link, but never across a sex conflict or dates of birth that
                // are no typo: one of the records is wrong, and a person decides which.
                let scored = score(record, against: holders[0], records: index.records(of: holders[0]))
                let outcome: Resolution.Outcome = scored.vetoes.isEmpty ? .linked(holders[0]) : .review(candidate: holders[0])
                return Resolution(outcome: outcome, basis: "identifier", candidates: [scored])
            }
            if holders.count > 1 {
                // One mention, identifiers of two people: perhaps two records of one child that
                // should be merged. A person decides.
                let scored = holders.map { score(record, against: $0, records: index.records(of: $0)) }.sorted { $0.weight > $1.weight }
                return Resolution(outcome: .review(candidate: scored[0].person), basis: "identifier", candidates: Array(scored.prefix(5)))
            }
        }

        // 2. Blocked candidates, scored (ties broken by person id, so the result does not depend
        //    on the order candidates were found in).
        let scored = prepared.scored.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.person.precedes($1.person) }
        guard let best = scored.first else { return Resolution(outcome: .new, basis: "score", candidates: []) }
        let top = Array(scored.prefix(5))
        let runnerUp = scored.dropFirst().first
        // A close second (within 5 bits, 32 times less likely) makes it a person's decision: perhaps
        // the hub already holds this child twice.
        let clearWinner = runnerUp.map { best.weight - $0.weight >= 5 || $0.probability < model.reviewThreshold } ?? true
        if best.probability >= model.linkThreshold, best.vetoes.isEmpty, clearWinner {
            return Resolution(outcome: .linked(best.person), basis: "score", candidates: top)
        }
        // The best candidate carries a soft veto (a sex conflict, another date of birth), so it is
        // never linked automatically; a candidate that agrees with no veto, reaches the link
        // threshold alone and is a clear winner among such candidates still is.
        if !best.vetoes.isEmpty {
            let clean = scored.filter(\.vetoes.isEmpty)
            if let first = clean.first, first.probability >= model.linkThreshold,
                clean.dropFirst().first.map({ first.weight - $0.weight >= 5 || $0.probability < model.reviewThreshold }) ?? true
            {
                return Resolution(outcome: .linked(first.person), basis: "score", candidates: top)
            }
        }
        if best.probability >= model.reviewThreshold {
            return Resolution(outcome: .review(candidate: best.person), basis: "score", candidates: top)
        }
        return Resolution(outcome: .new, basis: "score", candidates: top)
    }

    /// The mention against each of a person's records: the closest record decides the score and
    /// the soft vetoes (the closest without a veto, when it alone reaches the link threshold); a
    /// hard veto against any record counts (a person has one NHS number), except that twins are
    /// not twins of a person one of whose records gives an agreeing given name.
    public func score(_ record: MatchRecord, against person: UUID, records: [MatchRecord]) -> ScoredCandidate {
        var best: ScoredCandidate?
        var bestClean: ScoredCandidate?
        // The best record whose only veto is twins: clean if the twins veto is lifted below.
        var bestTwinsOnly: ScoredCandidate?
        var hard = Set<Veto>()
        // Whether one of the person's records gives a given name that agrees with the mention's.
        var givenAgrees = false
        for other in records {
            let vector = comparator.compare(record, other)
            let weight = model.weight(vector, weights: weights)
            let vetoes = Self.vetoes(record, other, vector)
            hard.formUnion(vetoes.filter(\.isHard))
            if let given = vector[.given], given < MatchField.given.differentLevel { givenAgrees = true }
            let scored = ScoredCandidate(person: person, probability: MatchModel.probability(weight: weight), weight: weight, comparison: vector, vetoes: vetoes)
            if best == nil || weight > best!.weight { best = scored }
            if vetoes.isEmpty, bestClean == nil || weight > bestClean!.weight { bestClean = scored }
            if vetoes == [.twins], bestTwinsOnly == nil || weight > bestTwinsOnly!.weight { bestTwinsOnly = scored }
        }
        // The twins veto keeps a differently named child apart from a person. A person already
        // known by a given name that agrees with the mention's is not that: the record it is
        // "twins" with is a misspelling ("Elixa" beside "Eliza" when the mention says "Elgza").
        if givenAgrees, hard.contains(.twins) {
            hard.remove(.twins)
            best?.vetoes.removeAll { $0 == .twins }
            if var lifted = bestTwinsOnly, bestClean == nil || lifted.weight > bestClean!.weight {
                lifted.vetoes = []
                bestClean = lifted
            }
        }
        // A person whose records already disagree (one of them a date of birth away from the
        // mention, say) is judged by the record that agrees, when that record is enough to link
        // on its own: the disagreeing record was accepted into the person before.
        if let clean = bestClean, let first = best, !first.vetoes.isEmpty, clean.probability >= model.linkThreshold { best = clean }
        var result = best ?? ScoredCandidate(person: person, probability: 0, weight: -.infinity, comparison: ComparisonVector(), vetoes: [])
        let all = hard.union(result.vetoes)
        result.vetoes = Veto.allCases.filter(all.contains)
        return result
    }

    /// The vetoes between two records (what ``score(_:against:records:)`` applies to each pair).
    public static func vetoes(_ a: MatchRecord, _ b: MatchRecord, _ vector: ComparisonVector) -> [Veto] {
        var vetoes: [Veto] = []
        if let x = a.nhs, let y = b.nhs, x != y { vetoes.append(.differentNHSNumbers) }
        if vector[.sex] == 1 { vetoes.append(.sexConflict) }
        if vector[.dob] == MatchField.dob.differentLevel { vetoes.append(.datesOfBirthDiffer) }
        // Twins (and brothers and sisters born a typo's distance apart): the same family name and
        // home, dates of birth equal or a typo apart, and given names that are not variants of
        // each other.
        if vector[.given] == MatchField.given.differentLevel, vector[.surname].map({ $0 <= 2 }) == true,
            vector[.dob].map({ $0 < MatchField.dob.differentLevel }) == true,
            (vector[.address].map { $0 <= 1 } ?? false) || (vector[.postcode].map { $0 <= 1 } ?? false)
        {
            vetoes.append(.twins)
        }
        return vetoes
    }
}

extension UUID {
    /// Byte order, which is the order of `uuidString` (upper-case hex digits sort as their values)
    /// without formatting either: a tie-break in the resolver's hot path.
    func precedes(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in
            withUnsafeBytes(of: other.uuid) { b in a.lexicographicallyPrecedes(b) }
        }
    }
}

extension MatchRecord {
    /// The identifiers that link on their own when they agree: a valid NHS number, a valid UPN,
    /// the same local id in the same system. (E-mail addresses and phone numbers are shared in
    /// families, so they only add weight.)
    public var deterministicIdentifiers: [String] {
        var result: [String] = []
        if let nhs { result.append("nhs:" + nhs) }
        if let upn { result.append("upn:" + upn) }
        result += localIDs.map { "local:" + $0 }
        return result
    }
}
