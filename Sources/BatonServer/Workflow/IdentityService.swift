import BatonCore
import BatonIdentity
import BatonSigning
import BatonStore
import Foundation
import Synchronization

/// Links every person named in a case message to one person in the hub (DESIGN.md step 3):
/// deterministically where identifiers agree, by Fellegi–Sunter scoring of blocked candidates
/// otherwise, with vetoes; an uncertain match stands alone as a person of its own and goes to the
/// review queue. Also carries out merges and unmerges decided by people.
///
/// The blocking index (``PersonIndex``) is in memory, rebuilt from the mentions' match records at
/// start-up (``rebuild(from:)``). Intake adds to it inside the writer's transaction, so later
/// messages in the same batch see earlier ones; entries of a message that does not commit are
/// taken out again (``forget(_:)``), and a candidate is only linked to if the transaction can see
/// the person (so an entry left by a failed batch can never be linked to).
final class IdentityService: Sendable {
    let resolver: Resolver
    let index: PersonIndex
    let identifiers: any IdentifierSource
    private let recordIDs = Mutex<[MentionKey: PersonIndex.RecordID]>([:])
    /// Index entries of messages decided but not yet known to be committed, by message.
    private let uncommitted = Mutex<[String: [(MentionKey, PersonIndex.RecordID)]]>([:])

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    init(model: MatchModel, nicknames: Nicknames, identifiers: any IdentifierSource) {
        self.resolver = Resolver(model: model, nicknames: nicknames)
        self.index = PersonIndex(nicknames: nicknames)
        self.identifiers = identifiers
    }

    /// What linking one mention did.
    struct Linked {
        var link: MentionLink
        /// Identifiers that failed their checks and were ignored (reported in the receipt).
        var warnings: [ValidationProblem]
        var review: IdentityReview?
        var added: PersonIndex.RecordID
        var record: MatchRecord
    }

    // MARK: - Start-up

    /// Files every stored match record in the index; returns how many.
    func rebuild(from store: any HubStore) async throws -> Int {
        let stored: [(key: MentionKey, person: UUID, json: String)] = try await store.read { reader in
            var stored: [(key: MentionKey, person: UUID, json: String)] = []
            try reader.forEachMatchRecord { person, key, json in stored.append((key, person.uuid, json)) }
            return stored
        }
        let (ids, skipped) = index.load(stored)
        recordIDs.withLock { $0 = ids }
        return stored.count - skipped
    }

    // MARK: - Intake

    /// A mention normalised and scored ahead of its transaction (see ``prepare(_:pointer:)``).
    struct PreparedMention: Sendable {
        var prepared: Resolver.Prepared
        var json: String
        var warnings: [ValidationProblem]
    }

    /// Normalises `mention` (at JSON pointer `pointer` in its message) and scores it against the
    /// index as it stands: the expensive part of linking, done on the request's own thread before
    /// the single writer takes the message. ``link(_:role:pointer:messageSequence:at:in:prepared:)``
    /// then only brings it up to date with what was added since.
    func prepare(_ mention: Mention, pointer: String) throws -> PreparedMention {
        let record = MatchRecord(mention)
        var warnings: [ValidationProblem] = []
        if mention.nhsNumber != nil, record.nhs == nil {
            warnings.append(ValidationProblem(pointer: JSONPointer(stringLiteral: "\(pointer)/nhsNumber"), problem: "fails the NHS number check digit (Modulus 11); it was ignored for matching"))
        }
        if mention.upn != nil, record.upn == nil {
            warnings.append(ValidationProblem(pointer: JSONPointer(stringLiteral: "\(pointer)/upn"), problem: "fails the Unique Pupil Number check letter; it was ignored for matching"))
        }
        let json = String(decoding: try Self.encoder.encode(record), as: UTF8.self)
        return PreparedMention(prepared: resolver.prepare(record, in: index), json: json, warnings: warnings)
    }

    /// Links `mention` (at JSON pointer `pointer` in its message) to a person, inside the
    /// transaction that stores its message, from its ``PreparedMention`` if it has one.
    func link(
        _ mention: Mention, role: String, pointer: String, messageSequence: Int64, at now: Date, in transaction: any StoreTransaction,
        prepared: PreparedMention? = nil
    ) throws -> Linked {
        let ready = try prepared ?? prepare(mention, pointer: pointer)
        let record = ready.prepared.record
        let warnings = ready.warnings
        let resolution = resolver.resolve(ready.prepared, in: index)
        let key = MentionKey(messageSequence: messageSequence, ref: mention.ref)

        var person: PersonID
        var match: MatchOutcome
        var review: IdentityReview?
        let probability = resolution.candidates.first?.probability
        switch resolution.outcome {
        case .linked(let uuid):
            if let live = try livePerson(PersonID(uuid), in: transaction) {
                person = live
                match = .linked
            } else {
                person = PersonID(identifiers.newUUID())
                match = .new
            }
        case .new:
            person = PersonID(identifiers.newUUID())
            match = .new
        case .review(let candidate):
            person = PersonID(identifiers.newUUID())
            if let live = try livePerson(PersonID(candidate), in: transaction), let best = resolution.candidates.first {
                match = .review
                review = IdentityReview(
                    id: identifiers.newUUID().uuidString.lowercased(), mention: key, person: person, candidate: live,
                    basis: resolution.basis, probability: best.probability, weight: best.weight,
                    reasons: Self.reasons(resolution, model: resolver.model), createdAt: now)
            } else {
                match = .new
            }
        }
        if match != .linked {
            try transaction.apply(.insertPerson(person, kind: role == "subject" ? "child" : "person", at: now))
        }
        let json = ready.json
        let link = MentionLink(
            messageSequence: messageSequence, ref: mention.ref, person: person, role: role, match: match,
            basis: match == .new ? "new" : resolution.basis, probability: probability,
            record: json)
        try transaction.apply(.linkMention(link))
        if let review { try transaction.apply(.insertReview(review)) }
        let added = index.add(record, person: person.uuid)
        recordIDs.withLock { $0[key] = added }
        return Linked(link: link, warnings: warnings, review: review, added: added, record: record)
    }

    /// Remembers the entries a message made until its transaction's fate is known.
    func hold(_ message: String, _ added: [(MentionKey, PersonIndex.RecordID)]) {
        uncommitted.withLock { $0[message] = added }
    }

    /// The message's transaction committed (entries stay) or did not (entries are taken out).
    func settle(_ message: String, committed: Bool) {
        guard let added = uncommitted.withLock({ $0.removeValue(forKey: message) }) else { return }
        if !committed { forget(added) }
    }

    /// Takes out index entries of mentions whose message did not commit.
    func forget(_ added: [(MentionKey, PersonIndex.RecordID)]) {
        for (key, id) in added {
            index.remove(id)
            recordIDs.withLock { ids in
                if ids[key] == id { ids[key] = nil }
            }
        }
    }

    /// The person as the transaction sees them, following merges; nil if there is no such person
    /// (an index entry of a batch that did not commit).
    func livePerson(_ id: PersonID, in reader: any StoreReader) throws -> PersonID? {
        var current = id
        for _ in 0..<16 {
            guard let record = try reader.person(current) else { return nil }
            guard let next = record.mergedInto else { return current }
            current = next
        }
        return nil
    }

    /// Why a match went to review rather than being made.
    static func reasons(_ resolution: Resolution, model: MatchModel) -> [String] {
        guard let best = resolution.candidates.first else { return [] }
        var reasons: [String] = []
        if resolution.basis == "identifier" {
            reasons.append("identifiers-point-at-two-people")
        }
        reasons += best.vetoes.map(\.rawValue)
        if best.probability < model.linkThreshold { reasons.append("score-between-thresholds") }
        // Postcode, address and town all different where recorded (at least two of them): perhaps
        // the same child after a move; the reviewer checks with someone who knows the family.
        let home = MatchField.homeFields.compactMap { field in best.comparison[field].map { $0 == field.differentLevel } }
        if home.count >= 2, home.allSatisfy({ $0 }) { reasons.append("recorded-at-another-home") }
        if let second = resolution.candidates.dropFirst().first, best.weight - second.weight < 5, second.probability >= model.reviewThreshold {
            reasons.append("close-second-candidate")
        }
        return reasons
    }

    // MARK: - Reviews, merges and unmerges

    /// Joins `merged` into `survivor` inside `transaction`; the index follows once it commits
    /// (``applied(_:)``).
    func merge(
        _ merged: PersonID, into survivor: PersonID, actor: Actor, reason: String, reviewID: String? = nil, at now: Date,
        in transaction: any StoreTransaction
    ) throws -> PersonMerge {
        var merge = PersonMerge(
            id: identifiers.newUUID().uuidString.lowercased(), survivor: survivor, merged: merged, at: now, actor: actor, reason: reason,
            reviewID: reviewID)
        merge.movedMentions = try transaction.mentions(of: merged).map(\.key)
        let survivorFacts = try transaction.facts(of: survivor)
        merge.copiedFacts = try transaction.facts(of: merged).keys.filter { survivorFacts[$0] == nil }.sorted()
        try transaction.apply(.merge(merge))
        return merge
    }

    /// Moves the merge's mentions back inside `transaction`.
    func unmerge(_ original: PersonMerge, actor: Actor, reason: String, at now: Date, in transaction: any StoreTransaction) throws -> PersonMerge {
        var merge = original
        merge.undoneAt = now
        merge.undoneBy = actor
        merge.undoReason = reason
        try transaction.apply(.unmerge(merge))
        return merge
    }

    /// Brings the index in line with a committed merge or unmerge.
    func applied(_ merge: PersonMerge) {
        if merge.undoneAt == nil {
            index.reassign(merge.merged.uuid, to: merge.survivor.uuid)
        } else {
            let ids = recordIDs.withLock { ids in merge.movedMentions.compactMap { ids[$0] } }
            index.move(ids, to: merge.merged.uuid)
        }
    }

    /// The match record stored with a mention.
    static func record(of link: MentionLink) -> MatchRecord? {
        link.record.flatMap { try? JSONDecoder().decode(MatchRecord.self, from: Data($0.utf8)) }
    }
}

extension PersonID {
    var uuid: UUID { UUID(uuidString: rawValue)! }
}
