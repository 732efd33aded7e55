import BatonCore
import Foundation
import Testing

@testable import BatonIdentity

/// The repository's own identity policy, so the tests exercise what ships.
func shippedPolicy() throws -> (MatchModel, Nicknames) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let model = try MatchModel.load(try String(contentsOf: root.appendingPathComponent("policies/identity.yaml"), encoding: .utf8))
    let nicknames = try Nicknames(csv: try String(contentsOf: root.appendingPathComponent("policies/identity/nicknames.csv"), encoding: .utf8))
    return (model, nicknames)
}

func child(
    _ given: String, _ surname: String, dob: String?, sex: Sex? = nil, postcode: String? = nil, address: String? = nil,
    town: String? = nil, nhs: String? = nil, upn: String? = nil
) -> MatchRecord {
    MatchRecord(
        given: Normalise.nameParts(given), surname: Normalise.surnameParts(surname), dob: dob.flatMap { CalendarDate(iso8601: $0) },
        sex: sex, postcode: postcode.flatMap(Normalise.postcode), address: address.map(Normalise.fold), town: town.map(Normalise.fold),
        nhs: nhs.flatMap(Normalise.nhsNumber), upn: upn.flatMap(Normalise.upn))
}

@Suite("Comparators")
struct ComparatorTests {
    @Test("Jaro–Winkler gives the textbook values", arguments: [
        ("martha", "marhta", 0.961), ("dwayne", "duane", 0.840), ("dixon", "dicksonx", 0.813), ("jon", "jon", 1.0), ("abc", "xyz", 0.0),
    ])
    func jaroWinkler(_ a: String, _ b: String, _ expected: Double) {
        #expect(abs(StringSimilarity.jaroWinkler(a, b) - expected) < 0.001)
    }

    @Test("one edit: substitution, insertion, deletion, neighbours swapped; two edits are not")
    func oneEdit() {
        #expect(StringSimilarity.withinOneEdit("NM14AB", "NM14AB"))
        #expect(StringSimilarity.withinOneEdit("NM14AB", "NM14AD"))
        #expect(StringSimilarity.withinOneEdit("NM14AB", "NM41AB"))
        #expect(StringSimilarity.withinOneEdit("NM14AB", "NM4AB"))
        #expect(StringSimilarity.withinOneEdit("NM4AB", "NM14AB"))
        #expect(!StringSimilarity.withinOneEdit("NM14AB", "NM41BA"))
        #expect(!StringSimilarity.withinOneEdit("NM14AB", "NM1"))
    }

    @Test("dates of birth: exact, day and month transposed, one-digit typo, different")
    func dates() {
        let d = { (text: String) in CalendarDate(iso8601: text)! }
        #expect(Comparator.dob(d("2015-04-03"), d("2015-04-03")) == 0)
        #expect(Comparator.dob(d("2015-04-03"), d("2015-03-04")) == 1)
        #expect(Comparator.dob(d("2015-04-03"), d("2015-04-08")) == 2)
        #expect(Comparator.dob(d("2015-04-03"), d("2016-04-03")) == 2)
        #expect(Comparator.dob(d("2015-04-13"), d("2015-09-30")) == 3)
        #expect(Comparator.dob(d("2015-04-03"), d("2012-09-21")) == 3)
    }

    @Test("names: nicknames, middle names, double-barrelled surnames")
    func names() throws {
        let (_, nicknames) = try shippedPolicy()
        let comparator = Comparator(nicknames: nicknames)
        #expect(comparator.given(["jon"], ["jonathan"]) == 1)
        #expect(comparator.given(["katie"], ["catherine"]) == 1)
        #expect(comparator.given(["alfie"], ["james", "alfie"]) == 1)
        #expect(comparator.given(["jonathon"], ["jonathan"]) == 2)
        #expect(comparator.given(["isla"], ["lottie"]) == 4)
        #expect(comparator.surname(["smith", "jones"], ["jones"]) == 1)
        #expect(comparator.surname(["smyth"], ["smith"]) == 2 || comparator.surname(["smyth"], ["smith"]) == 3)
        #expect(comparator.surname(["patel"], ["okafor"]) == 4)
    }
}

@Suite("Linking: deterministic, scored, vetoed")
struct ResolverTests {
    let model: MatchModel
    let nicknames: Nicknames
    let resolver: Resolver

    init() throws {
        (model, nicknames) = try shippedPolicy()
        resolver = Resolver(model: model, nicknames: nicknames)
    }

    @Test("Jon Smyth (police, no NHS number) and Jonathan Smith (school, UPN and NHS number) are one child")
    func jonSmyth() {
        let index = PersonIndex(nicknames: nicknames)
        let school = child("Jonathan", "Smith", dob: "2014-03-09", sex: .male, postcode: "NM1 4AB", address: "14 Heather Road", nhs: "9990000018", upn: "A950000178301")
        let person = UUID()
        index.add(school, person: person)
        let police = child("Jon", "Smyth", dob: "2014-03-09", sex: .male, postcode: "NM1 4AB", address: "14 Heather Rd")
        let resolution = resolver.resolve(police, in: index)
        #expect(resolution.outcome == .linked(person))
        #expect(resolution.basis == "score")
    }

    @Test("twins (same surname, date of birth and address, different given names) stay two children")
    func twins() {
        let index = PersonIndex(nicknames: nicknames)
        let first = UUID()
        index.add(child("Isla", "Williams", dob: "2017-02-04", sex: .female, postcode: "NM2 6DR", address: "142 Cotton Close"), person: first)
        let twin = child("Lottie", "Williams", dob: "2017-02-04", sex: .female, postcode: "NM2 6DR", address: "142 Cotton Close")
        let resolution = resolver.resolve(twin, in: index)
        #expect(resolution.outcome == .new)
        let scored = resolver.score(twin, against: first, records: index.records(of: first))
        #expect(scored.vetoes.contains(.twins))
    }

    @Test("two different valid NHS numbers are never linked, however alike the rest")
    func differentNHS() {
        let index = PersonIndex(nicknames: nicknames)
        index.add(child("Amelia", "Khan", dob: "2016-05-01", sex: .female, postcode: "NM3 1AA", nhs: "9990000018"), person: UUID())
        let other = child("Amelia", "Khan", dob: "2016-05-01", sex: .female, postcode: "NM3 1AA", nhs: "9990000026")
        #expect(Normalise.nhsNumber("9990000026") != nil)
        #expect(resolver.resolve(other, in: index).outcome == .new)
    }

    @Test("a sex conflict or a date of birth that is no typo never links automatically")
    func softVetoes() {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        index.add(child("Noah", "Begum", dob: "2018-07-12", sex: .male, postcode: "NM5 2BB", address: "7 Mill Lane"), person: person)
        let sexConflict = resolver.resolve(child("Noah", "Begum", dob: "2018-07-12", sex: .female, postcode: "NM5 2BB", address: "7 Mill Lane"), in: index)
        #expect(sexConflict.outcome != .linked(person))
        let otherDate = resolver.resolve(child("Noah", "Begum", dob: "2011-01-30", sex: .male, postcode: "NM5 2BB", address: "7 Mill Lane"), in: index)
        #expect(otherDate.outcome != .linked(person))
        // A transposed date is a typo: linked.
        let transposed = resolver.resolve(child("Noah", "Begum", dob: "2018-12-07", sex: .male, postcode: "NM5 2BB", address: "7 Mill Lane"), in: index)
        #expect(transposed.outcome == .linked(person))
    }

    @Test("a child at a new home (another postcode, address and town) goes to review: a move is one disagreement, not three")
    func movedChild() throws {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        index.add(child("Poppy", "Hartley", dob: "2015-10-21", sex: .female, postcode: "NM1 4AB", address: "14 Heather Road", town: "Northmoor"), person: person)
        let moved = child("Poppy", "Hartley", dob: "2015-10-21", sex: .female, postcode: "NM7 2XY", address: "3 Kiln Street", town: "Ashgrove")
        #expect(resolver.resolve(moved, in: index).outcome == .review(candidate: person))

        // The weight: every field's, but of the three home fields that disagree only the strongest.
        let vector = resolver.comparator.compare(moved, try #require(index.records(of: person).first))
        let weights = resolver.model.weights
        let home = MatchField.allCases.indices.filter { MatchField.isHomeField[$0] }
        #expect(home.allSatisfy { vector.levels[$0] == MatchField.differentLevels[$0] })
        let others = vector.levels.indices.filter { !MatchField.isHomeField[$0] }.compactMap { i in vector.levels[i].map { weights[i][$0] } }
        let strongest = try #require(home.map { weights[$0][vector.levels[$0]!] }.min())
        #expect(abs(resolver.model.weight(vector, weights: weights) - (resolver.model.priorWeight + others.reduce(0, +) + strongest)) < 1e-9)

        // One home field disagreeing still counts in full; agreements all add up.
        let newTown = child("Poppy", "Hartley", dob: "2015-10-21", sex: .female, postcode: "NM1 4AB", address: "14 Heather Road", town: "Ashgrove")
        let townOnly = resolver.comparator.compare(newTown, try #require(index.records(of: person).first))
        let sum = townOnly.levels.indices.compactMap { i in townOnly.levels[i].map { weights[i][$0] } }.reduce(resolver.model.priorWeight, +)
        #expect(abs(resolver.model.weight(townOnly, weights: weights) - sum) < 1e-9)
        #expect(resolver.resolve(newTown, in: index).outcome == .linked(person))

        // A different child of another name at the new home is still a new person.
        let other = child("Poppy", "Hartley", dob: "2012-03-02", sex: .female, postcode: "NM7 2XY", address: "3 Kiln Street", town: "Ashgrove")
        #expect(resolver.resolve(other, in: index).outcome == .new)
    }

    @Test("a person is judged by the record that agrees when another of its records is a date of birth away")
    func cleanRecordDecides() {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        let agreeing = child("Poppy", "Hussain", dob: "2015-03-09", sex: .female, postcode: "NM4 2QT", address: "31 Lark Rise")
        // The person already holds a record with another date of birth (linked by a person's review).
        let other = child("Poppy", "Hussain", dob: "2012-10-21", sex: .female, postcode: "NM4 2QT", address: "31 Lark Rise")
        index.add(other, person: person)
        index.add(agreeing, person: person)
        let mention = child("Poppy", "Hussain", dob: "2015-03-09", sex: .female, postcode: "NM4 2QT", address: "31 Lark Rise")
        let scored = resolver.score(mention, against: person, records: index.records(of: person))
        #expect(scored.vetoes.isEmpty)
        #expect(resolver.resolve(mention, in: index).outcome == .linked(person))
        // With only the disagreeing record the veto stands.
        let alone = PersonIndex(nicknames: nicknames)
        alone.add(other, person: person)
        #expect(resolver.resolve(mention, in: alone).outcome != .linked(person))
        // A hard veto against any record still takes the person out.
        let twin = child("Maisie", "Hussain", dob: "2015-03-09", sex: .female, postcode: "NM4 2QT", address: "31 Lark Rise")
        #expect(resolver.score(twin, against: person, records: index.records(of: person)).vetoes.contains(.twins))
    }

    @Test("a misspelt record does not make a person a twin of a mention whose given name agrees with its other records")
    func misspeltNotTwin() {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        let home = (postcode: "NM7 3PL", address: "57 Kennedy Street")
        index.add(child("Eliza", "Mason", dob: "2012-11-24", sex: .female, postcode: home.postcode, address: home.address), person: person)
        index.add(child("Elixa", "Mason", dob: "2012-11-24", sex: .female, postcode: home.postcode, address: home.address), person: person)
        let mention = child("Elgza", "Mason", dob: "2012-11-24", sex: .female, postcode: home.postcode, address: home.address)
        // Elgza and Elixa are "different" given names, so the pair alone looks like twins ...
        let pair = resolver.comparator.compare(mention, index.records(of: person)[1])
        #expect(Resolver.vetoes(mention, index.records(of: person)[1], pair).contains(.twins))
        // ... but the person is known as Eliza, which Elgza agrees with: no twins.
        #expect(!resolver.score(mention, against: person, records: index.records(of: person)).vetoes.contains(.twins))
        #expect(resolver.resolve(mention, in: index).outcome == .linked(person))
        // A twin whose name agrees with none of the person's records is still kept apart.
        let twin = child("Ruby", "Mason", dob: "2012-11-24", sex: .female, postcode: home.postcode, address: home.address)
        #expect(resolver.score(twin, against: person, records: index.records(of: person)).vetoes.contains(.twins))
        #expect(resolver.resolve(twin, in: index).outcome == .new)
    }

    @Test("a better-scoring candidate with a soft veto does not stop a clean candidate from linking")
    func cleanCandidateLinks() {
        let index = PersonIndex(nicknames: nicknames)
        let recorded = UUID()
        let otherDate = UUID()
        index.add(child("Amber", "Pamplin", dob: "2013-04-07", sex: .female, postcode: "NM5 4AB", address: "58 Milton Place"), person: recorded)
        // The same name and home with a date of birth that is no typo (a soft veto), and more
        // agreeing (an e-mail address and another identifier), so it outscores the clean one.
        var other = child("Amber", "Pamplin", dob: "2016-10-06", sex: .female, postcode: "NM5 4AB", address: "58 Milton Place")
        other.otherID = "7364009"
        other.online = ["email:amber.p@example.org"]
        index.add(other, person: otherDate)
        var mention = child("Amber", "Pamplin", dob: "2013-04-07", sex: .female, postcode: "NM5 4AB", address: "58 Milton Place")
        mention.otherID = "7364009"
        mention.online = ["email:amber.p@example.org"]
        let resolution = resolver.resolve(mention, in: index)
        #expect(resolution.candidates.first?.person == otherDate)
        #expect(resolution.candidates.first?.vetoes == [.datesOfBirthDiffer])
        #expect(resolution.outcome == .linked(recorded))
    }

    @Test("candidates tied on weight are ordered by person id as their uuidString sorts, without formatting it")
    func tieBreakOrder() {
        let ids = (0..<500).map { _ in UUID() }
        for (a, b) in zip(ids, ids.shuffled()) {
            #expect(a.precedes(b) == (a.uuidString < b.uuidString))
        }
        #expect(!ids[0].precedes(ids[0]))
    }

    @Test("the same child with given and family names swapped is linked; twins still are not")
    func swappedLinks() {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        index.add(child("Jonathan", "Wilson", dob: "2014-11-24", sex: .male, postcode: "NM1 8GF", address: "94 Curlew Court"), person: person)
        let swapped = resolver.resolve(child("WILSON", "JONATHAN", dob: "2014-11-24", sex: .male, postcode: "NM1 8GF", address: "94 Curlew Court"), in: index)
        #expect(swapped.outcome == .linked(person))
        let twin = resolver.resolve(child("Joshua", "Wilson", dob: "2014-11-24", sex: .male, postcode: "NM1 8GF", address: "94 Curlew Court"), in: index)
        #expect(twin.outcome == .new)
    }

    @Test("an agreeing identifier links even when the names differ; a second person's identifier sends it for review")
    func deterministic() {
        let index = PersonIndex(nicknames: nicknames)
        let a = UUID(), b = UUID()
        index.add(child("Ruby", "Hall", dob: "2013-01-01", upn: "A950000178301"), person: a)
        index.add(child("Ruby", "Hall", dob: "2013-01-01", nhs: "9990000018"), person: b)
        #expect(resolver.resolve(child("Ruby", "Marsh", dob: "2013-01-01", upn: "A950000178301"), in: index).outcome == .linked(a))
        let both = resolver.resolve(child("Ruby", "Hall", dob: "2013-01-01", nhs: "9990000018", upn: "A950000178301"), in: index)
        guard case .review = both.outcome else {
            Issue.record("expected review, got \(both.outcome)")
            return
        }
        // The same NHS number, but a sex conflict or a date of birth that is no typo: a person decides.
        let held = PersonIndex(nicknames: nicknames)
        let c = UUID()
        held.add(child("Ruby", "Hall", dob: "2013-01-01", sex: .female, nhs: "9990000018"), person: c)
        #expect(resolver.resolve(child("Ruby", "Hall", dob: "2013-01-01", sex: .female, nhs: "9990000018"), in: held).outcome == .linked(c))
        #expect(resolver.resolve(child("Ruby", "Hall", dob: "2013-01-01", sex: .male, nhs: "9990000018"), in: held).outcome == .review(candidate: c))
        #expect(resolver.resolve(child("Ruby", "Hall", dob: "2009-07-23", nhs: "9990000018"), in: held).outcome == .review(candidate: c))
    }

    @Test("one typo cannot hide a match from the blocking keys")
    func blocking() {
        let index = PersonIndex(nicknames: nicknames)
        let person = UUID()
        let original = child("Oliver", "Thompson", dob: "2012-06-15", sex: .male, postcode: "NM4 8JZ", address: "36 Orchard Lane")
        index.add(original, person: person)
        for variant in [
            child("Oliver", "Thompson", dob: "2012-06-16", sex: .male, postcode: "NM4 8JZ"),
            child("Olivr", "Thompson", dob: "2012-06-15", sex: .male),
            child("Oliver", "Tompson", dob: "2012-06-15", sex: .male),
            child("Oliver", "Thompson", dob: "2021-06-15", sex: .male),
            child("Oliver", "Thompson", dob: nil, sex: .male, postcode: "NM4 8JZ"),
        ] {
            #expect(index.candidates(for: variant)[person] != nil)
        }
    }
}

@Suite("The model: policy file and estimation")
struct ModelTests {
    @Test("the shipped identity.yaml loads; bad files name the field")
    func load() throws {
        let (model, _) = try shippedPolicy()
        #expect(model.linkThreshold >= model.reviewThreshold)
        #expect(model.parameters.count == MatchField.allCases.count)
        let bad = """
            prior: 2
            thresholds: { link: 0.9, review: 0.99 }
            comparisons:
              sex: { m: [0.5], u: [0.5, 0.5] }
            """
        do {
            _ = try MatchModel.load(bad, file: "identity.yaml")
            Issue.record("a bad file loaded")
        } catch let errors as ConfigurationErrors {
            let text = "\(errors)"
            #expect(text.contains("prior"))
            #expect(text.contains("thresholds"))
            #expect(text.contains("comparisons.sex.m"))
        }
    }

    @Test("written YAML reads back as the same model")
    func roundTrip() throws {
        let (model, _) = try shippedPolicy()
        let again = try MatchModel.load(model.yaml(header: "test"))
        #expect(abs(again.prior - model.prior) / model.prior < 1e-4)
        #expect(again.parameters[.dob]!.m.count == 4)
    }

    @Test("EM learns how often the same child is recorded at another home, instead of deciding that children never move")
    func estimateMoves() throws {
        let (model, nicknames) = try shippedPolicy()
        let index = PersonIndex(nicknames: nicknames)
        var random = SeededGenerator(seed: 11)
        let given = ["amelia", "noah", "isla", "leo", "ava", "jack", "mia", "oscar", "ivy", "theo", "ruby", "arlo"]
        let surnames = ["smith", "khan", "jones", "patel", "brown", "evans", "okafor", "nowak", "hughes", "begum", "walsh", "reid"]
        let towns = ["northmoor", "ashgrove", "fellside", "moorbridge", "hollinwood"]
        func home(_ random: inout SeededGenerator) -> (postcode: String, address: String, town: String) {
            let district = 1 + Int(random.next() % 9)
            return ("NM\(district) \(random.next() % 10)\(["AB", "DR", "QT", "XY"][Int(random.next() % 4)])",
                "\(1 + random.next() % 150) \(["kiln street", "heather road", "mill lane", "cotton close"][Int(random.next() % 4)])",
                towns[Int(random.next() % 5)])
        }
        var moved = 0
        var duplicates = 0
        for _ in 0..<600 {
            let at = home(&random)
            let record = MatchRecord(
                given: [given[Int(random.next() % 12)]], surname: [surnames[Int(random.next() % 12)]],
                dob: CalendarDate(daysSinceEpoch: 15_000 + Int(random.next() % 4_000)), sex: random.next() % 2 == 0 ? .female : .male,
                postcode: at.postcode, address: at.address, town: at.town)
            index.add(record, person: UUID())
            guard random.next() % 2 == 0 else { continue }
            duplicates += 1
            var copy = record
            if random.next() % 5 == 0 {
                // A move: all three fields change together.
                moved += 1
                var next = home(&random)
                while next.town == at.town { next = home(&random) }
                (copy.postcode, copy.address, copy.town) = (next.postcode, next.address, next.town)
            }
            index.add(copy, person: UUID())
        }
        let share = Double(moved) / Double(duplicates)
        let report = Estimator(comparator: Comparator(nicknames: nicknames), randomPairs: 50_000).estimate(from: index, starting: model)
        for field in [MatchField.postcode, .address, .town] {
            let m = try #require(report.model.parameters[field]).m
            // About one duplicate in five moved; the estimate must see most of them as matches.
            #expect(m[field.differentLevel] > share * 0.6, "\(field): m(different) \(m[field.differentLevel]) with \(moved) of \(duplicates) moved")
            #expect(m[field.differentLevel] < share * 1.6)
        }
    }

    @Test("EM on records with known duplicates learns that agreement means a match")
    func estimate() throws {
        let (model, nicknames) = try shippedPolicy()
        let index = PersonIndex(nicknames: nicknames)
        var random = SeededGenerator(seed: 7)
        let given = ["amelia", "noah", "isla", "leo", "ava", "jack", "mia", "oscar", "ivy", "theo"]
        let surnames = ["smith", "khan", "jones", "patel", "brown", "evans", "okafor", "nowak", "hughes", "begum"]
        for i in 0..<400 {
            let record = MatchRecord(
                given: [given[Int(random.next() % 10)]], surname: [surnames[Int(random.next() % 10)]],
                dob: CalendarDate(daysSinceEpoch: 15_000 + Int(random.next() % 3_000)), sex: random.next() % 2 == 0 ? .female : .male,
                postcode: "NM\(1 + random.next() % 9) \(random.next() % 10)AB")
            index.add(record, person: UUID())
            if i % 2 == 0 {
                var copy = record
                copy.postcode = nil
                index.add(copy, person: UUID())
            }
        }
        let report = Estimator(comparator: Comparator(nicknames: nicknames), randomPairs: 50_000).estimate(from: index, starting: model)
        let dob = try #require(report.model.parameters[.dob])
        #expect(dob.m[0] > 0.8)
        #expect(dob.u[0] < 0.01)
        #expect(report.expectedMatches > 150 && report.expectedMatches < 260)
        #expect(report.model.linkThreshold == model.linkThreshold)
    }
}

@Suite("More comparators and normalisers")
struct MoreComparatorTests {
    @Test("postcodes: exact, one edit, same district, different", arguments: [
        ("NM3 4AB", "NM3 4AB", 0), ("NM3 4AB", "NM3 4BA", 1), ("NM3 4AB", "NM3 4AC", 1), ("NM3 4AB", "NM3 9ZZ", 2),
        ("NM3 4AB", "LS1 1AA", 3), ("NM3 4AB", "NM4 4AB", 1),
    ])
    func postcodes(_ a: String, _ b: String, _ level: Int) {
        #expect(Comparator.postcode(a, b) == level)
        #expect(Comparator.postcode(b, a) == level)
    }

    @Test("addresses and towns: exact, close (a typo), different")
    func text() {
        #expect(Comparator.text("12 kiln street", "12 kiln street") == 0)
        #expect(Comparator.text("12 kiln street", "12 kiln stret") == 1)
        #expect(Comparator.text("12 kiln street", "4 tanner row") == 2)
    }

    @Test("addresses: the same words in another order, or one's words all in the other with a house number, are close")
    func addressWords() {
        #expect(Comparator.address("160 sedge view", "160 sedge view") == 0)
        #expect(Comparator.address("flat 10 160 sedge view", "160 sedge view") == 1)
        #expect(Comparator.address("160 sedge view", "flat 10 160 sedge view") == 1)
        #expect(Comparator.address("51 hurley street lakes retirement estate", "51 lakes retirement estate hurley street") == 1)
        // A street alone is no house in it; another number in the same street is a neighbour.
        #expect(Comparator.address("sedge view", "flat 10 160 sedge view") == 2)
        #expect(Comparator.address("162 sedge view", "flat 10 160 sedge view") == 2)
        #expect(Comparator.address("12 kiln street", "4 tanner row") == 2)
    }

    @Test("given and family names recorded the wrong way round compare as a slip, never as exact")
    func swappedNames() throws {
        let (_, nicknames) = try shippedPolicy()
        let comparator = Comparator(nicknames: nicknames)
        let straight = child("Jonathan", "Wilson", dob: "2014-11-24")
        let swapped = child("WILSON", "JONATHAN", dob: "2014-11-24")
        let vector = comparator.compare(straight, swapped)
        #expect(vector[.given] == 1)
        #expect(vector[.surname] == 1)
        // A typo in a swapped name is one level further: Wilson recorded as the given name Wilsen.
        let typo = comparator.compare(straight, child("Wilsen", "Jonathan", dob: nil))
        #expect(typo[.given] == 1)
        #expect(typo[.surname] == 2)
        // Two unrelated names stay different; so do names that swap only one way.
        #expect(comparator.compare(straight, child("Ryan", "Campbell", dob: nil))[.given] == 4)
        #expect(comparator.compare(straight, child("Wilson", "Smith", dob: nil))[.given] == 4)
        // Not twins: a swap is no different given name.
        #expect(!Resolver.vetoes(straight, swapped, vector).contains(.twins))
    }

    @Test("UPNs need their check letter; sex 'unknown' compares as absent; local ids are per system")
    func identifiers() {
        let body = "995200114001"
        let upn = String(UniquePupilNumber.checkLetter(for: body)!) + body
        #expect(Normalise.upn(upn.lowercased()) == upn)
        let wrong: Character = upn.first == "A" ? "B" : "A"
        #expect(Normalise.upn(String(wrong) + body) == nil)
        #expect(Normalise.sex(.unknown) == nil)
        #expect(Normalise.sex(.female) == .female)
        #expect(Normalise.localID(system: " NorthmoorPolice ", value: "N-1") != Normalise.localID(system: "school", value: "N-1"))
    }
}

@Suite("The person index")
struct PersonIndexTests {
    @Test("merge and unmerge round trip: reassign moves every record, move puts them back")
    func reassignAndMove() throws {
        let (_, nicknames) = try shippedPolicy()
        let index = PersonIndex(nicknames: nicknames)
        let a = UUID()
        let b = UUID()
        index.add(child("Noor", "Haddad", dob: "2016-11-30", nhs: "9990000018"), person: a)
        let moved = index.add(child("Nour", "Hadad", dob: "2016-11-30", upn: nil), person: b)
        #expect(index.personCount == 2)
        #expect(index.reassign(b, to: a) == [moved])
        #expect(index.records(of: a).count == 2)
        #expect(index.records(of: b).isEmpty)
        index.move([moved], to: b)
        #expect(index.records(of: a).count == 1)
        #expect(index.records(of: b).count == 1)
        #expect(index.persons(holding: ["nhs:9990000018"]) == [a])
        index.remove(moved)
        #expect(index.records(of: b).isEmpty)
        #expect(index.count == 1)
    }

    @Test("with many people sharing one name key, only those sharing two keys are scored; a true match with a typo still is")
    func candidateCap() throws {
        let (_, nicknames) = try shippedPolicy()
        let index = PersonIndex(nicknames: nicknames)
        // 100 people who share only "smith + j" with the probe.
        for i in 0..<100 {
            index.add(child("Jack", "Smith", dob: "20\(10 + i % 9)-0\(1 + i % 9)-1\(i % 10)", postcode: "LS1 \(i % 10)AA"), person: UUID())
        }
        let truth = UUID()
        index.add(child("Jayden", "Smith", dob: "2014-03-07", postcode: "NM3 4AB"), person: truth)
        // The same child with a misspelt given name: shares the date of birth and postcode keys too.
        let probe = child("Jaydon", "Smith", dob: "2014-03-07", postcode: "NM3 4AB")
        let candidates = index.candidates(for: probe)
        #expect(candidates.keys.contains(truth))
        #expect(candidates.count < 10)
        // Below the limit, everyone sharing a key is scored.
        #expect(index.candidates(for: probe, singleKeyLimit: 200).count == 101)
    }
}

@Suite("Prepared resolution")
struct PreparedResolutionTests {
    @Test("a mention scored before another message about the same child was linked still finds that child")
    func seesWhatWasAddedSince() throws {
        let (model, nicknames) = try shippedPolicy()
        let resolver = Resolver(model: model, nicknames: nicknames)
        let index = PersonIndex(nicknames: nicknames)
        index.add(child("Amelia", "Hart", dob: "2015-06-01", postcode: "NM3 4AB", address: "7 mill lane"), person: UUID())
        let probe = child("Millie", "Hart", dob: "2015-06-01", sex: .female, postcode: "LS1 1AA", address: "22 orchard close")
        let prepared = resolver.prepare(probe, in: index)
        // Meanwhile the writer links another message's mention of the same child.
        let millie = UUID()
        index.add(child("Millie", "Hart", dob: "2015-06-01", sex: .female, postcode: "LS1 1AA", address: "22 orchard close"), person: millie)
        let late = resolver.resolve(prepared, in: index)
        #expect(late.outcome == .linked(millie))
        #expect(late.outcome == resolver.resolve(probe, in: index).outcome)
    }

    @Test("after a removal or a merge the mention is scored again from the start")
    func rescoresAfterMutation() throws {
        let (model, nicknames) = try shippedPolicy()
        let resolver = Resolver(model: model, nicknames: nicknames)
        let index = PersonIndex(nicknames: nicknames)
        let gone = index.add(child("Kai", "Nowak", dob: "2012-02-29", postcode: "NM1 2CD", address: "5 pit lane"), person: UUID())
        let probe = child("Kai", "Nowak", dob: "2012-02-29", postcode: "NM1 2CD", address: "5 pit lane")
        let prepared = resolver.prepare(probe, in: index)
        #expect(!prepared.scored.isEmpty)
        index.remove(gone)  // its message did not commit
        #expect(resolver.resolve(prepared, in: index).outcome == .new)
    }
}
