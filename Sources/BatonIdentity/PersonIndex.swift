import BatonCore
import Foundation
import Synchronization

/// The in-memory blocking index over every record the hub has linked to a person.
///
/// Comparing a mention with every person is out of the question at a million people, so records
/// are filed under several *blocking keys* and a mention is compared only with the records that
/// share at least one key with it. The keys are chosen so that one typing error cannot hide a
/// match: a wrong date of birth still meets its record through the name keys, a misspelt surname
/// through the date and postcode keys, and so on.
///
/// | key | catches |
/// | --- | --- |
/// | birth year + {day, month} in either order | name changes and misspellings, transposed dates |
/// | given-name group + birth year | surname changes, day or month typos |
/// | each surname part + given initial | date of birth missing or wrong |
/// | each surname part + day and month | a wrong birth year |
/// | postcode + given initial | date of birth and surname both unreliable |
/// | other identifiers, online identifiers | anything else |
///
/// It is rebuilt from the store at start-up (``MatchRecord``s are kept beside their mentions).
/// Entries are added as mentions are linked; the intake pipeline removes those of a message whose
/// transaction did not commit.
public final class PersonIndex: Sendable {
    public typealias RecordID = Int32

    public struct Entry: Sendable {
        public var person: UUID
        public var record: MatchRecord
    }

    struct State {
        var entries: [Entry?] = []
        var blocks: [Int: [RecordID]] = [:]
        var identifiers: [String: [UUID]] = [:]
        var personRecords: [UUID: [RecordID]] = [:]
        var liveCount = 0
        /// Changes other than appending a record (removals, merges, unmerges).
        var mutations = 0
    }

    /// Where the index stood when candidates were taken: records are only ever appended (ids
    /// grow), so "what was added since" is the records from `appended` on, and any other change
    /// shows in `mutations`.
    public struct Mark: Sendable, Hashable {
        public var appended: Int
        public var mutations: Int
    }

    public var mark: Mark { state.withLock { Mark(appended: $0.entries.count, mutations: $0.mutations) } }

    private let state = Mutex(State())
    private let nicknames: Nicknames
    /// Blocks larger than this are skipped at lookup (a key that common says nothing).
    public let maximumBlock: Int

    public init(nicknames: Nicknames, maximumBlock: Int = 400) {
        self.nicknames = nicknames
        self.maximumBlock = maximumBlock
    }

    public var count: Int { state.withLock { $0.liveCount } }
    public var personCount: Int { state.withLock { $0.personRecords.count } }

    /// Files `record` as one of `person`'s; returns its id in the index.
    @discardableResult
    public func add(_ record: MatchRecord, person: UUID) -> RecordID {
        let keys = blockingKeys(record)
        let identifiers = record.exactIdentifiers
        return state.withLock { state in
            let id = RecordID(state.entries.count)
            state.entries.append(Entry(person: person, record: record))
            for key in keys { state.blocks[key, default: []].append(id) }
            for identifier in identifiers where !(state.identifiers[identifier]?.contains(person) ?? false) {
                state.identifiers[identifier, default: []].append(person)
            }
            state.personRecords[person, default: []].append(id)
            state.liveCount += 1
            return id
        }
    }

    /// Files stored match records (``MatchRecord`` as JSON, as the store keeps them beside their
    /// mentions), at start-up; returns each one's id in the index by `key`. Records that do not
    /// decode are skipped and counted.
    public func load<Key: Hashable>(_ stored: [(key: Key, person: UUID, json: String)]) -> (ids: [Key: RecordID], skipped: Int) {
        let decoder = JSONDecoder()
        var ids: [Key: RecordID] = [:]
        ids.reserveCapacity(stored.count)
        var skipped = 0
        for (key, person, json) in stored {
            guard let record = try? decoder.decode(MatchRecord.self, from: Data(json.utf8)) else {
                skipped += 1
                continue
            }
            ids[key] = add(record, person: person)
        }
        return (ids, skipped)
    }

    /// Takes a record out (its message did not commit, or a review moved it).
    public func remove(_ id: RecordID) {
        state.withLock { state in
            guard Int(id) < state.entries.count, let entry = state.entries[Int(id)] else { return }
            state.mutations += 1
            state.entries[Int(id)] = nil
            state.liveCount -= 1
            state.personRecords[entry.person]?.removeAll { $0 == id }
            if state.personRecords[entry.person]?.isEmpty == true { state.personRecords[entry.person] = nil }
            let stillHeld = Set((state.personRecords[entry.person] ?? []).compactMap { state.entries[Int($0)]?.record.exactIdentifiers }.joined())
            for identifier in entry.record.exactIdentifiers where !stillHeld.contains(identifier) {
                state.identifiers[identifier]?.removeAll { $0 == entry.person }
                if state.identifiers[identifier]?.isEmpty == true { state.identifiers[identifier] = nil }
            }
            // Block lists keep the id; lookups skip removed entries.
        }
    }

    /// Moves every record of `from` to `into` (a merge); returns the records moved.
    @discardableResult
    public func reassign(_ from: UUID, to into: UUID) -> [RecordID] {
        state.withLock { state in
            let moved = state.personRecords[from] ?? []
            state.mutations += 1
            for id in moved { state.entries[Int(id)]?.person = into }
            state.personRecords[from] = nil
            state.personRecords[into, default: []].append(contentsOf: moved)
            for (identifier, persons) in state.identifiers where persons.contains(from) {
                var updated = persons.filter { $0 != from }
                if !updated.contains(into) { updated.append(into) }
                state.identifiers[identifier] = updated
            }
            return moved
        }
    }

    /// Moves the given records to `person` (an unmerge).
    public func move(_ ids: [RecordID], to person: UUID) {
        let records = state.withLock { state in ids.compactMap { id in state.entries[Int(id)].map { (id, $0.record) } } }
        for (id, _) in records { remove(id) }
        state.withLock { state in
            state.mutations += 1
            for (id, record) in records {
                state.entries[Int(id)] = Entry(person: person, record: record)
                state.personRecords[person, default: []].append(id)
                state.liveCount += 1
                for identifier in record.exactIdentifiers where !(state.identifiers[identifier]?.contains(person) ?? false) {
                    state.identifiers[identifier, default: []].append(person)
                }
            }
        }
    }

    /// People who hold one of these exact identifiers.
    public func persons(holding identifiers: [String]) -> [UUID] {
        state.withLock { state in
            var found: [UUID] = []
            for identifier in identifiers {
                for person in state.identifiers[identifier] ?? [] where !found.contains(person) { found.append(person) }
            }
            return found
        }
    }

    /// The records, grouped by person, of everyone who shares blocking keys with `record`.
    ///
    /// When more than `singleKeyLimit` people share a key with it, only those sharing at least
    /// two keys are returned: agreeing on one name key alone (a common surname and initial, a
    /// popular given name and birth year) can never reach the review threshold, while a true
    /// match with a typo still shares another key (date of birth, postcode, the other name).
    /// This keeps the cost of a mention bounded in areas where a few names are very common.
    public func candidates(for record: MatchRecord, excluding: Set<UUID> = [], singleKeyLimit: Int = 64) -> [UUID: [MatchRecord]] {
        markedCandidates(for: record, excluding: excluding, singleKeyLimit: singleKeyLimit).candidates
    }

    /// ``candidates(for:excluding:singleKeyLimit:)`` with the index's ``Mark`` at that moment.
    public func markedCandidates(
        for record: MatchRecord, excluding: Set<UUID> = [], singleKeyLimit: Int = 64
    ) -> (candidates: [UUID: [MatchRecord]], mark: Mark) {
        let keys = blockingKeys(record)
        return state.withLock { state in
            var shared: [UUID: Int] = [:]
            for key in Set(keys) {
                guard let block = state.blocks[key], block.count <= maximumBlock else { continue }
                var seen = Set<UUID>()
                for id in block {
                    if let entry = state.entries[Int(id)], !excluding.contains(entry.person), seen.insert(entry.person).inserted {
                        shared[entry.person, default: 0] += 1
                    }
                }
            }
            let persons = shared.count <= singleKeyLimit ? Array(shared.keys) : shared.filter { $0.value >= 2 }.map(\.key)
            var result: [UUID: [MatchRecord]] = [:]
            for person in persons {
                result[person] = (state.personRecords[person] ?? []).compactMap { state.entries[Int($0)]?.record }
            }
            return (result, Mark(appended: state.entries.count, mutations: state.mutations))
        }
    }

    /// People with a record added since `mark` that shares a blocking key with `record` (blocks
    /// are in id order, so only their tails are read), each with all their records.
    public func appended(since mark: Mark, sharingKeysWith record: MatchRecord) -> [UUID: [MatchRecord]] {
        let keys = Set(blockingKeys(record))
        return state.withLock { state in
            guard state.entries.count > mark.appended else { return [:] }
            var persons = Set<UUID>()
            for key in keys {
                guard let block = state.blocks[key] else { continue }
                for id in block.reversed() {
                    guard Int(id) >= mark.appended else { break }
                    if let entry = state.entries[Int(id)] { persons.insert(entry.person) }
                }
            }
            var result: [UUID: [MatchRecord]] = [:]
            for person in persons {
                result[person] = (state.personRecords[person] ?? []).compactMap { state.entries[Int($0)]?.record }
            }
            return result
        }
    }

    /// The records of one person.
    public func records(of person: UUID) -> [MatchRecord] {
        state.withLock { state in (state.personRecords[person] ?? []).compactMap { state.entries[Int($0)]?.record } }
    }

    /// Pairs of records that share a blocking key (each pair once), for estimating the model.
    public func blockedPairs(limit: Int = 5_000_000) -> [(MatchRecord, MatchRecord)] {
        state.withLock { state in
            var seen = Set<Int64>()
            var pairs: [(MatchRecord, MatchRecord)] = []
            for block in state.blocks.values where block.count > 1 && block.count <= maximumBlock {
                for i in 0..<block.count {
                    for j in (i + 1)..<block.count {
                        let a = min(block[i], block[j])
                        let b = max(block[i], block[j])
                        guard a != b, seen.insert(Int64(a) << 32 | Int64(b)).inserted,
                            let x = state.entries[Int(a)], let y = state.entries[Int(b)]
                        else { continue }
                        pairs.append((x.record, y.record))
                        if pairs.count >= limit { return pairs }
                    }
                }
            }
            return pairs
        }
    }

    /// All live records (for estimating u from random pairs).
    public func allRecords() -> [MatchRecord] {
        state.withLock { state in state.entries.compactMap { $0?.record } }
    }

    // MARK: - Keys

    func blockingKeys(_ record: MatchRecord) -> [Int] {
        var keys: [Int] = []
        func key(_ parts: String...) {
            var hasher = Hasher()
            for part in parts { hasher.combine(part) }
            keys.append(hasher.finalize())
        }
        let given = record.firstGiven
        let initial = given.map { String($0.prefix(1)) }
        if let dob = record.dob {
            key("dob", String(dob.year), String(min(dob.day, dob.month)), String(max(dob.day, dob.month)))
            // Every group of the given name (Ollie is Oliver's and Olivia's).
            if let given { for group in nicknames.groups(of: given) { key("given-year", group, String(dob.year)) } }
            for part in record.surname { key("surname-day-month", part, String(dob.month), String(dob.day)) }
        }
        for part in record.surname {
            if let initial { key("surname-initial", part, initial) } else { key("surname", part) }
        }
        if let postcode = record.postcode {
            key("postcode", postcode, initial ?? record.surname.first.map { String($0.prefix(1)) } ?? "")
        }
        if let other = record.otherID { key("other", other) }
        for id in record.online { key("online", id) }
        return keys
    }
}
