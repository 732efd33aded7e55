import BatonCore
import BatonIdentity
import BatonStore
import Foundation

/// Resident set size of this process, from /proc/self/status.
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Builds indexes of 10,000 to `--persons` synthetic children and measures, at each size: the
/// time to build the index in memory, resident memory, and the time to resolve one mention
/// (p50/p99 over 2,000 mentions, half of them variants of indexed children). Then, at the largest
/// size, the hub's real start-up path: the same children stored as mentions with their match
/// records in a SQLite store (the hub's schema), read back and filed in a fresh index, as
/// `baton serve` does before it listens.
func scale(_ arguments: [String]) async throws {
    let (model, nicknames) = loadPolicy(arguments)
    let target = Int(option("--persons", in: arguments) ?? "1000000") ?? 1_000_000
    let resolver = Resolver(model: model, nicknames: nicknames)
    var sizes = [10_000, 100_000, 1_000_000].filter { $0 < target }
    sizes.append(target)
    print("size\tstart-up s\tRSS MiB\tresolve p50 ms\tresolve p99 ms")
    var results: [(Int, Double, Int, Double, Double)] = []
    for size in sizes {
        var random = SeededGenerator(seed: 42)
        let generator = ChildGenerator()
        let started = Date()
        let index = PersonIndex(nicknames: nicknames)
        var sample: [MatchRecord] = []
        for i in 0..<size {
            let child = generator.child(&random)
            index.add(child, person: UUID())
            if i % max(1, size / 1000) == 0 { sample.append(child) }
        }
        let startup = Date().timeIntervalSince(started)
        let rss = residentBytes()
        var probes: [MatchRecord] = []
        for (i, child) in sample.enumerated() {
            probes.append(i % 2 == 0 ? generator.variant(of: child, &random) : generator.child(&random))
        }
        while probes.count < 2_000 { probes.append(generator.child(&random)) }
        var times: [Double] = []
        for probe in probes {
            let t0 = ContinuousClock.now
            _ = resolver.resolve(probe, in: index)
            let elapsed = ContinuousClock.now - t0
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        times.sort()
        let row = (size, startup, rss / 1_048_576, percentile(times, 0.5), percentile(times, 0.99))
        results.append(row)
        print(String(format: "%d\t%.1f\t%d\t%.3f\t%.3f", row.0, row.1, row.2, row.3, row.4))
    }
    guard let last = results.last else { return }
    let storeStartup = try await startupFromStore(persons: last.0, nicknames: nicknames)
    let met = last.4 <= 5 && last.2 <= 3 * 1024 && storeStartup <= 60
    print(String(format: "at %d persons: p99 resolve %.2f ms (target ≤ 5), RSS %d MiB (target ≤ 3072), start-up from the store %.1f s (target ≤ 60): %@",
        last.0, last.4, last.2, storeStartup, met ? "MET" : "NOT MET"))
}

/// Stores `persons` children as the hub keeps them (a person and a mention with its match record
/// each), then times what start-up does: open the store, read every match record, file them in a
/// new index. Returns the seconds taken.
func startupFromStore(persons: Int, nicknames: Nicknames) async throws -> Double {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-identity-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("baton.sqlite").path
    print("storing \(persons) persons with their match records in \(path) …")
    var random = SeededGenerator(seed: 42)
    let generator = ChildGenerator()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let store = try SQLiteStore(path: path)
    let at = Date()
    var written = 0
    while written < persons {
        var batch: [(PersonID, MentionLink)] = []
        for i in written..<min(persons, written + 20_000) {
            let person = PersonID(UUID())
            let json = String(decoding: try encoder.encode(generator.child(&random)), as: UTF8.self)
            batch.append((person, MentionLink(messageSequence: Int64(i + 1), ref: "c1", person: person, role: "subject", match: .new, basis: "new", record: json)))
        }
        let rows = batch
        try await store.write { transaction in
            for (person, link) in rows {
                try transaction.apply(.insertPerson(person, kind: "child", at: at))
                try transaction.apply(.linkMention(link))
            }
        }
        written += rows.count
    }
    try await store.close()
    let started = ContinuousClock.now
    let reopened = try SQLiteStore(path: path)
    let stored: [(key: MentionKey, person: UUID, json: String)] = try await reopened.read { reader in
        var stored: [(key: MentionKey, person: UUID, json: String)] = []
        try reader.forEachMatchRecord { person, key, json in stored.append((key, UUID(uuidString: person.rawValue)!, json)) }
        return stored
    }
    let index = PersonIndex(nicknames: nicknames)
    let (ids, skipped) = index.load(stored)
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    try await reopened.close()
    print(String(format: "start-up from the store: %d records read and indexed in %.1f s (%d skipped), RSS %d MiB",
        ids.count, seconds, skipped, residentBytes() / 1_048_576))
    return seconds
}

/// Synthetic children for the scale benchmark: made-up combinations of common names, dates of
/// birth over eighteen years, postcodes in a fictional area (NM), NHS numbers from the 999 test
/// range for most.
struct ChildGenerator {
    static let given = ["oliver", "amelia", "george", "isla", "harry", "ava", "noah", "mia", "jack", "ivy", "leo", "grace",
        "arthur", "freya", "muhammad", "lily", "oscar", "sophia", "charlie", "florence", "jacob", "willow", "thomas", "rosie",
        "alfie", "evie", "theo", "poppy", "henry", "ella", "archie", "sienna", "finley", "daisy", "joshua", "phoebe", "james",
        "millie", "william", "elsie", "ethan", "matilda", "lucas", "emily", "riley", "harper", "isaac", "aria", "mason", "zara"]
    static let surnames = ["smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel", "wright",
        "robinson", "thompson", "evans", "walker", "white", "roberts", "green", "hall", "wood", "jackson", "clarke", "khan",
        "hughes", "edwards", "lewis", "harris", "martin", "turner", "hill", "moore", "cooper", "ward", "morris", "king", "baker",
        "harrison", "morgan", "allen", "james", "scott", "phillips", "watson", "davis", "parker", "price", "bennett", "young",
        "griffiths", "mitchell", "kelly", "cook", "carter", "richardson", "bailey", "collins", "bell", "shaw", "murphy", "miller",
        "cox", "richards", "khan", "marshall", "anderson", "simpson", "ellis", "adams", "singh", "begum", "wilkinson", "foster",
        "chapman", "powell", "webb", "rogers", "gray", "mason", "ali", "hunt", "hussain", "campbell", "matthews", "owen"]

    func child(_ random: inout SeededGenerator) -> MatchRecord {
        let dob = CalendarDate(daysSinceEpoch: 12_000 + Int(random.next() % 6_570))
        let outward = "NM\(1 + random.next() % 9)"
        let inward = "\(random.next() % 10)\(letter(&random))\(letter(&random))"
        var nhs: String?
        if random.next() % 10 < 7 {
            var digits = [9, 9, 9] + (0..<6).map { _ in Int(random.next() % 10) }
            if let check = NHSNumber.checkDigit(digits) { digits.append(check); nhs = digits.map(String.init).joined() }
        }
        return MatchRecord(
            given: [Self.given.pick(&random)], surname: [Self.surnames.pick(&random)], dob: dob,
            sex: random.next() % 2 == 0 ? .female : .male, postcode: "\(outward) \(inward)",
            address: "\(1 + random.next() % 200) \(Self.surnames.pick(&random)) road", town: "northmoor", nhs: nhs)
    }

    /// The same child as another agency might record them: no NHS number, a typo or two.
    func variant(of child: MatchRecord, _ random: inout SeededGenerator) -> MatchRecord {
        var copy = child
        copy.nhs = nil
        if random.next() % 3 == 0, var name = copy.surname.first, name.count > 3 {
            let i = name.index(name.startIndex, offsetBy: 2)
            name.remove(at: i)
            copy.surname = [name]
        }
        if random.next() % 4 == 0, let dob = copy.dob, dob.day <= 12 {
            copy.dob = CalendarDate(year: dob.year, month: dob.day, day: dob.month)
        }
        return copy
    }

    func letter(_ random: inout SeededGenerator) -> Character {
        Character(Unicode.Scalar(UInt8(65 + random.next() % 26)))
    }
}

extension Array {
    func pick(_ random: inout SeededGenerator) -> Element { self[Int(random.next() % UInt64(count))] }
}
