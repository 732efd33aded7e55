import BatonCore

/// The fields the matcher compares, each with its agreement levels (best first). A level's index
/// is what the model's m and u probabilities are indexed by; a field either record lacks is not
/// compared at all and counts for nothing either way.
public enum MatchField: String, Sendable, CaseIterable, Codable {
    case given, surname, dob, sex, postcode, address, town, otherID = "other-id", online

    public var levels: [String] {
        switch self {
        case .given: ["exact", "equivalent", "close", "similar", "different"]
        case .surname: ["exact", "part", "close", "similar", "different"]
        case .dob: ["exact", "transposed", "typo", "different"]
        case .sex: ["same", "different"]
        case .postcode: ["exact", "one-edit", "district", "different"]
        case .address, .town: ["exact", "close", "different"]
        case .otherID: ["exact", "one-edit", "different"]
        case .online: ["shared", "different"]
        }
    }

    /// The index of the "different" level: always the last.
    public var differentLevel: Int { levels.count - 1 }

    /// The fields that together describe where a person lives: when several of them disagree,
    /// they are one move, not several pieces of evidence (``MatchModel/weight(_:weights:)``).
    public static let homeFields: Set<MatchField> = [.postcode, .address, .town]

    /// By field index (``ComparisonVector/levels``): whether the field is one of ``homeFields``.
    static let isHomeField: [Bool] = allCases.map(homeFields.contains)
    /// By field index: the "different" level.
    static let differentLevels: [Int] = allCases.map(\.differentLevel)
}

/// Two records compared field by field: for each field the level reached, or nil when either
/// record lacks it. This is what a reviewer sees side by side, and what the model weighs.
public struct ComparisonVector: Sendable, Hashable {
    public var levels: [Int?]

    public subscript(field: MatchField) -> Int? {
        get { levels[MatchField.allCases.firstIndex(of: field)!] }
        set { levels[MatchField.allCases.firstIndex(of: field)!] = newValue }
    }

    public init(levels: [Int?] = Array(repeating: nil, count: MatchField.allCases.count)) { self.levels = levels }

    /// Calls `body` with each compared field (index, level) that counts as evidence: every one
    /// that `included`, except that of the home's fields (``MatchField/homeFields``) at their
    /// "different" level only the one of lowest `strength` (the strongest disagreement) counts. A
    /// move changes postcode, address and town at once: one piece of evidence, not three. The
    /// model's weight and the estimator's likelihood both count through this, so they agree.
    func forEachCounted(
        including included: (Int) -> Bool = { _ in true }, strength: (Int, Int) -> Double, _ body: (Int, Int) -> Void
    ) {
        var move: (field: Int, level: Int, strength: Double)?
        for (field, level) in levels.enumerated() {
            guard let level, included(field) else { continue }
            if MatchField.isHomeField[field], level == MatchField.differentLevels[field] {
                let value = strength(field, level)
                if move == nil || value < move!.strength { move = (field, level, value) }
            } else {
                body(field, level)
            }
        }
        if let move { body(move.field, move.level) }
    }
}

/// Compares two normalised records.
public struct Comparator: Sendable {
    public let nicknames: Nicknames

    public init(nicknames: Nicknames) { self.nicknames = nicknames }

    public func compare(_ a: MatchRecord, _ b: MatchRecord) -> ComparisonVector {
        var vector = ComparisonVector()
        vector[.given] = given(a.given, b.given)
        vector[.surname] = surname(a.surname, b.surname)
        if let swapped = swappedNames(a, b, given: vector[.given], surname: vector[.surname]) {
            vector[.given] = swapped.given
            vector[.surname] = swapped.surname
        }
        if let x = a.dob, let y = b.dob { vector[.dob] = Self.dob(x, y) }
        if let x = a.sex, let y = b.sex { vector[.sex] = x == y ? 0 : 1 }
        if let x = a.postcode, let y = b.postcode { vector[.postcode] = Self.postcode(x, y) }
        if let x = a.address, let y = b.address { vector[.address] = Self.address(x, y) }
        if let x = a.town, let y = b.town { vector[.town] = Self.text(x, y) }
        if let x = a.otherID, let y = b.otherID { vector[.otherID] = x == y ? 0 : StringSimilarity.withinOneEdit(x, y) ? 1 : 2 }
        if !a.online.isEmpty, !b.online.isEmpty { vector[.online] = Set(a.online).isDisjoint(with: b.online) ? 1 : 0 }
        return vector
    }

    /// exact · equivalent (nickname, or one's first name is the other's middle name) · close
    /// (Jaro–Winkler ≥ 0.92) · similar (≥ 0.80, or an initial) · different.
    func given(_ a: [String], _ b: [String]) -> Int? {
        guard let x = a.first, let y = b.first else { return nil }
        if x == y { return 0 }
        if nicknames.equivalent(x, y) || b.contains(x) || a.contains(y) { return 1 }
        let similarity = StringSimilarity.jaroWinkler(x, y)
        if similarity >= 0.92 { return 2 }
        if similarity >= 0.80 || (x.count == 1 && y.hasPrefix(x)) || (y.count == 1 && x.hasPrefix(y)) { return 3 }
        return 4
    }

    /// Given name and family name recorded the wrong way round ("WILSON JONATHAN" for Jonathan
    /// Wilson): when the names as recorded are no better than "similar" but each is at least
    /// "close" to the other record's opposite field, the swapped comparison's levels, an exact
    /// swapped name counting as the level below exact (a swap is itself a slip). Nil otherwise, or
    /// when either record lacks a given name.
    func swappedNames(_ a: MatchRecord, _ b: MatchRecord, given straightGiven: Int?, surname straightSurname: Int?) -> (given: Int, surname: Int)? {
        guard let straightGiven, let straightSurname, straightGiven >= 3, straightSurname >= 3,
            let aGiven = a.given.first, let bGiven = b.given.first
        else { return nil }
        // a's given name against b's family name, and a's family name against b's given name.
        guard let crossGiven = given([aGiven], b.surname), crossGiven <= 2, let crossSurname = surname(a.surname, [bGiven]), crossSurname <= 2
        else { return nil }
        return (given: max(1, crossGiven), surname: max(1, crossSurname))
    }

    /// exact · part (a double-barrelled name recorded as one of its halves, or the halves
    /// swapped) · close · similar · different.
    func surname(_ a: [String], _ b: [String]) -> Int? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        if a == b { return 0 }
        let x = a.count == 1 ? a[0] : a.joined()
        let y = b.count == 1 ? b[0] : b.joined()
        if x == y { return 0 }
        if a.contains(where: b.contains) { return 1 }
        let similarity = StringSimilarity.jaroWinkler(x, y)
        if similarity >= 0.92 { return 2 }
        if similarity >= 0.80 { return 3 }
        return 4
    }

    /// exact · transposed (day and month swapped) · typo (one digit of YYYYMMDD different) · different.
    static func dob(_ a: CalendarDate, _ b: CalendarDate) -> Int {
        if a == b { return 0 }
        if a.year == b.year, a.day == b.month, a.month == b.day { return 1 }
        let x = digits(a)
        let y = digits(b)
        let differing = zip(x, y).filter { $0 != $1 }.count
        if differing == 1 { return 2 }
        // Two neighbouring digits swapped (1998 → 1989) is one slip of the fingers too.
        if differing == 2, let i = zip(x, y).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset,
            i + 1 < x.count, x[i] == y[i + 1], x[i + 1] == y[i]
        {
            return 2
        }
        return 3
    }

    /// YYYYMMDD as eight digits.
    static func digits(_ date: CalendarDate) -> [Int] {
        let value = date.year * 10_000 + date.month * 100 + date.day
        return [10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1].map { (value / $0) % 10 }
    }

    /// exact · one-edit · district (same outward code) · different.
    static func postcode(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        // Without the space (plain filtering: Foundation's replacingOccurrences costs far more).
        let x = String(decoding: a.utf8.filter { $0 != 0x20 }, as: UTF8.self)
        let y = String(decoding: b.utf8.filter { $0 != 0x20 }, as: UTF8.self)
        if StringSimilarity.withinOneEdit(x, y) { return 1 }
        if let space = a.utf8.firstIndex(of: 0x20), let other = b.utf8.firstIndex(of: 0x20),
            a.utf8[..<space].elementsEqual(b.utf8[..<other])
        {
            return 2
        }
        return 3
    }

    /// Addresses: exact · close (Jaro–Winkler ≥ 0.90, or the same words in another order, or
    /// every word of one in the other: "flat 10 160 sedge view" and "160 sedge view") · different.
    /// The shorter must keep at least two words, one of them with a digit (a house number), so that
    /// a street name alone is never "close" to a numbered address in it.
    static func address(_ a: String, _ b: String) -> Int {
        let level = text(a, b)
        guard level == 2 else { return level }
        let x = a.utf8.split(separator: 0x20)
        let y = b.utf8.split(separator: 0x20)
        let (small, large) = x.count <= y.count ? (x, y) : (y, x)
        guard small.count >= 2, small.contains(where: { $0.contains(where: { (0x30...0x39).contains($0) }) }),
            small.allSatisfy({ word in large.contains { $0.elementsEqual(word) } })
        else { return 2 }
        return 1
    }

    /// exact · close (Jaro–Winkler ≥ 0.90) · different.
    static func text(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        return StringSimilarity.jaroWinkler(a, b) >= 0.90 ? 1 : 2
    }
}
