import BatonCore
import BatonIdentity
import BatonSigning
import BatonStore
import Foundation
import GRDB

/// Fills a store with synthetic (fictional) traffic through the hub's own write path: every
/// message through `SQLiteStore.accept` (group-committed, many in flight), and inside each
/// message's transaction its subject mentions, ~3 items (inserted, then moved through their
/// milestones with `updateItem`), and the need-to-know decisions of the items that show content.
///
/// The shape: `items` items created uniformly over the 730 days before `now` from `items / 3`
/// messages. Each message makes
///   1. an item for the MASH (`northmoor-mash`): `decide-response` for referrals (the referrer is
///      told the outcome), `record-and-consider` for notifications;
///   2. an item for a partner (a school, the police, the trust, the GP): `operation-encompass`,
///      `assess-and-act` or `plan-notice`;
///   3. the `outcome-feedback` notice to the referrer (completed) for ~90% of referrals whose MASH
///      item has an outcome, otherwise a `plan-notice` to a health partner.
/// Items older than their (random) time to outcome are closed with acknowledgement, decision and
/// outcome; recent ones are open; ~0.8% never reach an outcome (stuck). Every open item past a
/// deadline has the deadline marked breached and its escalation at the top of the ladder, as the
/// sweeper leaves it, so the real server has nothing to sweep when it starts.
struct Filler {
    let items: Int
    let now: Date
    let concurrency: Int
    static let span: TimeInterval = 730 * 86_400

    var messages: Int { (items + 2) / 3 }
    /// A pool of children: about 0.45 per message (150,000 at 1,000,000 items), so many recur.
    var children: Int { max(1000, messages * 45 / 100) }

    static let mash = AgencyID(rawValue: "northmoor-mash")!
    static let police = AgencyID(rawValue: "police-northmoor")!
    static let ashgrove = AgencyID(rawValue: "school-ashgrove-primary")!
    static let academy = AgencyID(rawValue: "school-northmoor-academy")!
    static let trust = AgencyID(rawValue: "northmoor-nhs-trust")!
    static let gp = AgencyID(rawValue: "gp-riverside-surgery")!
    static let kids: [AgencyID: String] = [
        police: "police-northmoor/nmp-2026-1", ashgrove: "school-ashgrove-primary/ashgrove-2026-1",
        academy: "school-northmoor-academy/nma-2026-1", trust: "northmoor-nhs-trust/nnt-2026-1",
        gp: "gp-riverside-surgery/riverside-2026-1", mash: "northmoor-mash/mash-2026-1",
    ]
    static let ladders: [AgencyID: Int] = [mash: 3, police: 3, ashgrove: 2, academy: 2, trust: 3, gp: 2]

    // MARK: - Plans (made outside the writer)

    struct PlannedItem: Sendable {
        var id: ItemID
        var recipient: AgencyID
        var purpose: String
        var kind: ItemKind
        var risk: RiskLevel?
        var createdAt: Date
        var origin: String
        var related: Int?
        var feedbackTo: AgencyID?
        var terms: ItemTerms
        var deadlines: [Deadline]
        var acknowledgedAt: Date?
        var outcomeAt: Date?
        var outcomeCode: String
        var decides: Bool
        var disclosure: String?
    }

    struct Subject: Sendable {
        var child: Int
        var person: PersonID
        var record: String
    }

    struct PlannedMessage: Sendable {
        var incoming: IncomingMessage
        var subjects: [Subject]
        var items: [PlannedItem]
    }

    static func personID(_ child: Int) -> PersonID {
        var random = SplitMix(seed: 0xC41D_0000 &+ UInt64(child))
        return PersonID(uuid7(milliseconds: 1_700_000_000_000 + Int64(child), &random))
    }

    /// The child's normalised record as the matcher keeps it (what a sender told the hub).
    static func childRecord(_ child: Int, message: Int) -> String {
        var random = SplitMix(seed: 0xB0B0_0000 &+ UInt64(child))
        let given = Names.given[Int(random.next() % UInt64(Names.given.count))]
        let family = Names.family[Int(random.next() % UInt64(Names.family.count))]
        let dob = CalendarDate(daysSinceEpoch: 14_245 + Int(random.next() % 6_200))
        let sex: Sex = random.next() % 2 == 0 ? .female : .male
        let nhs = Names.nhsNumber(random.next())
        let postcode = "NM\(1 + random.next() % 9) \(random.next() % 10)\(Names.letters.randomElement(&random))\(Names.letters.randomElement(&random))"
        // What this sender knew: sex not known 6%, no date of birth 3%, no NHS number 35%.
        var sender = SplitMix(seed: 0x5E4D_0000 &+ UInt64(message) &* 31 &+ UInt64(child))
        let record = MatchRecord(
            given: [given], surname: [family], dob: sender.chance(0.03) ? nil : dob, sex: sender.chance(0.06) ? nil : sex,
            postcode: postcode, nhs: sender.chance(0.35) ? nil : nhs)
        return String(decoding: try! Self.encoder.encode(record), as: UTF8.self)
    }

    nonisolated(unsafe) static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    func receivedAt(_ index: Int) -> Date {
        now.addingTimeInterval(-Self.span + (Double(index) + 0.5) * Self.span / Double(messages))
    }

    static func ackDelay(_ random: inout SplitMix) -> TimeInterval {
        let bands: [(Double, TimeInterval, TimeInterval)] = [
            (0.35, 60, 3_600), (0.25, 3_600, 14_400), (0.20, 14_400, 86_400), (0.12, 86_400, 259_200), (0.06, 259_200, 604_800),
            (0.02, 604_800, 1_209_600),
        ]
        return random.band(bands)
    }

    static func outcomeDelay(_ random: inout SplitMix) -> TimeInterval {
        let bands: [(Double, TimeInterval, TimeInterval)] = [
            (0.15, 3_600, 86_400), (0.30, 86_400, 259_200), (0.30, 259_200, 604_800), (0.20, 604_800, 2_419_200),
            (0.05, 2_419_200, 5_184_000),
        ]
        return random.band(bands)
    }

    func plan(_ index: Int) -> PlannedMessage {
        var random = SplitMix(seed: 0x5EED_0000_0000 &+ UInt64(index))
        let received = receivedAt(index).addingTimeInterval(Double(random.next() % 1_800))
        // Who sends what.
        let senderRoll = random.unit()
        let sender: AgencyID = senderRoll < 0.35 ? Self.police : senderRoll < 0.47 ? Self.ashgrove : senderRoll < 0.60 ? Self.academy : senderRoll < 0.85 ? Self.trust : Self.gp
        let referral: Bool = switch sender {
        case Self.police: random.chance(0.4)
        case Self.trust: random.chance(0.5)
        default: true
        }
        let risk: RiskLevel? = referral ? [.low, .medium, .medium, .high, .high, .immediate][Int(random.next() % 6)] : nil
        let childCount = random.chance(0.2) ? 2 : 1
        var chosen: [Int] = []
        while chosen.count < childCount {
            let child = Int(random.next() % UInt64(children))
            if !chosen.contains(child) { chosen.append(child) }
        }
        let subjects = chosen.map { Subject(child: $0, person: Self.personID($0), record: Self.childRecord($0, message: index)) }
        let refs = subjects.indices.map { "c\($0 + 1)" }
        let consent: (status: String, basis: String)? = {
            if sender == Self.police { return ("not-sought", "safeguarding") }
            let roll = random.unit()
            if roll < 0.60 { return ("given", "consent") }
            if roll < 0.95 { return ("refused", "safeguarding") }
            if roll < 0.98 { return ("not-sought", "legal-duty") }
            return nil
        }()

        // A deterministic but realistic-sized stand-in for the signed bytes (the pages measured
        // never read them; ~2 KB, as a referral's compact JWS).
        var jws = Array("eyJhbGciOiJFZERTQSIsImtpZCI6ImJlbmNoIiwidHlwIjoiYmF0b24tbWVzc2FnZStqd3QifQ.".utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let length = 1_400 + Int(random.next() % 1_200)
        jws.reserveCapacity(jws.count + length + 90)
        var bits = random.next()
        for position in 0..<(length + 87) {
            if position % 10 == 0 { bits = random.next() }
            jws.append(position == length ? UInt8(ascii: ".") : alphabet[Int(bits & 63)])
            bits >>= 6
        }
        let messageID = MessageID(uuid7(milliseconds: received.storeMillisecondsValue, &random))
        let incoming = IncomingMessage(
            sender: sender, messageId: messageID, kind: referral ? .referral : .notification, senderKid: Self.kids[sender]!,
            sentAt: received.addingTimeInterval(-2), receivedAt: received, jws: jws, sha256: Digest.sha256Hex(jws))

        var items: [PlannedItem] = []
        func item(
            _ recipient: AgencyID, _ purpose: String, kind: ItemKind = .action, risk: RiskLevel?, at created: Date, origin: String,
            related: Int? = nil, feedbackTo: AgencyID? = nil, deadlineClass: String, ack: TimeInterval?, outcome: TimeInterval, decides: Bool,
            code: String, content: Bool
        ) -> PlannedItem {
            var deadlines: [Deadline] = []
            if let ack { deadlines.append(Deadline(kind: .acknowledgement, dueAt: created.addingTimeInterval(ack))) }
            deadlines.append(Deadline(kind: kind == .notice ? .delivery : .outcome, dueAt: created.addingTimeInterval(outcome)))
            let terms = ItemTerms(deadlineClass: deadlineClass, escalateEvery: .elapsed(seconds: 14_400, text: "PT4H"), ladderLength: Self.ladders[recipient] ?? 2)
            // Milestones.
            var acknowledgedAt: Date?
            var outcomeAt: Date?
            if kind == .notice {
                let delivered = created.addingTimeInterval(60 + Double(random.next() % 1_800))
                if delivered < now { outcomeAt = delivered }
            } else {
                let ackTime = created.addingTimeInterval(Self.ackDelay(&random))
                let outcomeTime = ackTime.addingTimeInterval(Self.outcomeDelay(&random))
                let stuck = random.chance(0.008)
                if ackTime < now, !(stuck && random.chance(0.3)) { acknowledgedAt = ackTime }
                if outcomeTime < now, !stuck, acknowledgedAt != nil { outcomeAt = outcomeTime }
            }
            var disclosure: String?
            if content {
                disclosure = Self.disclosureRecord(recipient: recipient, purpose: purpose, consent: consent, mash: recipient == Self.mash, &random)
            }
            return PlannedItem(
                id: ItemID(uuid7(milliseconds: created.storeMillisecondsValue, &random)), recipient: recipient, purpose: purpose, kind: kind,
                risk: risk, createdAt: created, origin: origin, related: related, feedbackTo: feedbackTo, terms: terms, deadlines: deadlines,
                acknowledgedAt: acknowledgedAt, outcomeAt: outcomeAt, outcomeCode: code, decides: decides, disclosure: disclosure)
        }

        let codes = ["no-further-action", "signposted", "early-help", "s17-assessment", "s47-enquiry", "strategy-discussion", "open-case-updated"]
        // 1. The MASH.
        if referral {
            let immediate = risk == .immediate
            items.append(item(
                Self.mash, "decide-response", risk: risk, at: received, origin: immediate ? "rule:immediate-risk-referral" : "rule:referral-to-mash",
                feedbackTo: sender, deadlineClass: immediate ? "mash-referral-immediate" : "mash-referral", ack: immediate ? 7_200 : 86_400,
                outcome: immediate ? 172_800 : 864_000, decides: true, code: codes[Int(random.next() % UInt64(codes.count))], content: true))
        } else {
            items.append(item(
                Self.mash, "record-and-consider", risk: nil, at: received, origin: "rule:operation-encompass", deadlineClass: "mash-notification",
                ack: 86_400, outcome: 432_000, decides: false, code: "open-case-updated", content: true))
        }
        // 2. A partner.
        if sender == Self.police, !referral {
            let school = chosen[0] % 2 == 0 ? Self.ashgrove : Self.academy
            items.append(item(
                school, "operation-encompass", risk: nil, at: received, origin: "rule:operation-encompass", deadlineClass: "operation-encompass",
                ack: 43_200, outcome: 432_000, decides: false, code: "support-in-school", content: true))
        } else {
            let partners = [Self.police, Self.ashgrove, Self.academy, Self.trust, Self.gp].filter { $0 != sender }
            let partner = partners[Int(random.next() % UInt64(partners.count))]
            items.append(item(
                partner, referral ? "assess-and-act" : "plan-notice", risk: risk, at: received, origin: referral ? "transfer" : "rule:plan-change",
                deadlineClass: referral ? "mash-notification" : "partner-notice", ack: 86_400, outcome: 432_000, decides: referral,
                code: referral ? "police-investigation" : "open-case-updated", content: true))
        }
        // 3. The referrer told, or a health partner told of a plan.
        if referral, let told = items[0].outcomeAt, random.chance(0.9) {
            items.append(item(
                sender, SystemPurpose.outcomeFeedback, kind: .notice, risk: nil, at: told.addingTimeInterval(1), origin: "outcome", related: 0,
                deadlineClass: "outcome-feedback", ack: nil, outcome: 86_400, decides: false, code: "", content: false))
        } else {
            items.append(item(
                sender == Self.gp ? Self.trust : Self.gp, "plan-notice", risk: nil, at: received.addingTimeInterval(5), origin: "rule:plan-change",
                deadlineClass: "partner-notice", ack: 86_400, outcome: 432_000, decides: false, code: "open-case-updated", content: true))
        }
        _ = refs
        return PlannedMessage(incoming: incoming, subjects: subjects, items: items)
    }

    /// A need-to-know decision record as the hub keeps it (see `Disclosure.record`): sections with
    /// whether each was shown, and the message's consent basis.
    static func disclosureRecord(recipient: AgencyID, purpose: String, consent: (status: String, basis: String)?, mash: Bool, _ random: inout SplitMix) -> String {
        let labels = ["concern.summary", "concern.risk", "child.identity", "child.health", "household.adults", "referrer.contact"]
        var sections: [JSONValue] = []
        for (index, label) in labels.enumerated() {
            let shown = mash ? !(index == 3 && random.chance(0.2)) : index < 3 || random.chance(0.25)
            sections.append(.object([
                "label": .string(label), "shown": .bool(shown), "rule": .string(shown ? "share-\(label)" : "default-deny"),
                "reason": .string(shown ? "Needed to act on the item." : "Not needed for this purpose."),
            ]))
        }
        var record: JSONObject = [
            "policyVersion": .string("synthetic-bench"), "recipient": .string(recipient.rawValue), "purpose": .string(purpose),
            "sections": .array(sections), "personsWithheld": .array([]), "referrerShown": .bool(mash),
        ]
        if let consent { record["consent"] = .object(["status": .string(consent.status), "basis": .string(consent.basis)]) }
        return JSONValue.object(record).serializedString()
    }

    // MARK: - The writer's part (inside the message's transaction)

    static func decide(_ plan: PlannedMessage, sequence: Int64, now: Date, seen: SeenChildren, transaction: any StoreTransaction) throws -> IntakeDecision {
        for (index, subject) in plan.subjects.enumerated() {
            let first = seen.markSeen(subject.child)
            try transaction.apply(.linkMention(MentionLink(
                messageSequence: sequence, ref: "c\(index + 1)", person: subject.person, role: "subject", match: first ? .new : .linked,
                basis: first ? "new" : "identifier", probability: first ? nil : 0.999, record: subject.record)))
        }
        let persons = plan.subjects.map(\.person)
        let refs = plan.subjects.indices.map { "c\($0 + 1)" }
        let incoming = plan.incoming
        for planned in plan.items {
            var item = Item(
                id: planned.id, messageSequence: sequence, messageSender: incoming.sender, messageId: incoming.messageId,
                recipient: planned.recipient, purpose: planned.purpose, kind: planned.kind, subjects: refs, risk: planned.risk,
                createdAt: planned.createdAt, origin: planned.origin, relatedItem: planned.related.map { plan.items[$0].id },
                feedbackTo: planned.feedbackTo, terms: planned.terms, deadlines: planned.deadlines)
            try transaction.apply(.insertItem(item, subjects: persons, history: ItemHistoryEntry(
                itemID: item.id, version: 0, at: planned.createdAt, event: "created", status: .requested, actor: .hub, messageSequence: sequence)))
            if let disclosure = planned.disclosure {
                try transaction.apply(.disclosure(item: item.id, policyVersion: "synthetic-bench", at: planned.createdAt, record: disclosure))
            }
            let recipient = Actor.agency(planned.recipient, name: "Duty worker", role: "lead")
            if planned.kind == .notice {
                guard let delivered = planned.outcomeAt else { continue }
                item.state.version += 1
                item.state.status = .completed
                item.state.receivedAt = delivered
                for index in item.state.deadlines.indices { item.state.deadlines[index].metAt = delivered }
                item.state.closure = Closure(by: .hub, at: delivered, reason: "delivered")
                try transaction.apply(.updateItem(item, history: ItemHistoryEntry(
                    itemID: item.id, version: item.state.version, at: delivered, event: "delivered", status: .completed, actor: .hub)))
                continue
            }
            if let acknowledged = planned.acknowledgedAt {
                item.state.version += 1
                item.state.status = .accepted
                item.state.receivedAt = acknowledged
                item.state.acknowledgedAt = acknowledged
                item.state.owner = Owner(name: "Duty worker", role: "lead")
                for index in item.state.deadlines.indices where item.state.deadlines[index].kind == .acknowledgement {
                    item.state.deadlines[index].metAt = acknowledged
                }
                try transaction.apply(.updateItem(item, history: ItemHistoryEntry(
                    itemID: item.id, version: item.state.version, at: acknowledged, event: "acknowledged", status: .accepted, actor: recipient)))
            }
            if let at = planned.outcomeAt {
                item.state.version += 1
                let outcome = RecordedOutcome(code: planned.outcomeCode, rationale: "Synthetic outcome for the benchmark.", by: recipient, at: at)
                if planned.decides { item.state.decision = outcome }
                item.state.outcome = outcome
                item.state.status = .completed
                item.state.closure = Closure(by: recipient, at: at, reason: "outcome recorded")
                for index in item.state.deadlines.indices where item.state.deadlines[index].metAt == nil { item.state.deadlines[index].metAt = at }
                try transaction.apply(.updateItem(item, history: ItemHistoryEntry(
                    itemID: item.id, version: item.state.version, at: at, event: "outcome-recorded", status: .completed, actor: recipient)))
            } else {
                // Open: past deadlines breached and the ladder climbed to the top, as the sweeper leaves it.
                let passed = item.state.deadlines.indices.filter { item.state.deadlines[$0].isActive && item.state.deadlines[$0].dueAt <= now }
                guard let first = passed.min(by: { item.state.deadlines[$0].dueAt < item.state.deadlines[$1].dueAt }) else { continue }
                let due = item.state.deadlines[first].dueAt
                for index in passed { item.state.deadlines[index].breachedAt = item.state.deadlines[index].dueAt }
                item.state.version += 1
                item.state.escalations = 1
                item.state.escalation = Escalation(
                    level: planned.terms.ladderLength, deadline: item.state.deadlines[first].kind, overdueSince: due, startedAt: due,
                    nextAt: now.addingTimeInterval(30 * 86_400))
                try transaction.apply(.updateItem(item, history: ItemHistoryEntry(
                    itemID: item.id, version: item.state.version, at: due, event: "escalated", status: item.state.status, actor: .hub)))
            }
        }
        return IntakeDecision(receipt: "synthetic-receipt", summary: .object(["synthetic": .bool(true)]))
    }

    // MARK: - Running it

    func run(path: String) async throws {
        let store = try SQLiteStore(path: path)
        let database = try DatabasePool(path: path)
        let existingItems = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item") ?? 0 }
        let existingMessages = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM message") ?? 0 }
        let existingPersons = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM person") ?? 0 }
        if existingItems >= items {
            print("  reusing \(path): \(existingItems) items, \(existingMessages) messages")
            try await store.close()
            try database.close()
            return
        }
        print("  filling \(path): \(items) items from \(messages) messages over 730 days, \(children) children, \(concurrency) in flight …")
        let started = ContinuousClock.now
        if existingPersons == 0 {
            let count = children
            let at = now.addingTimeInterval(-Self.span - 86_400)
            try await store.write { transaction in
                for child in 0..<count { try transaction.apply(.insertPerson(Self.personID(child), kind: "child", at: at)) }
            }
        }
        let seen = SeenChildren(count: children, all: existingMessages > 0)
        let filler = self
        let now = self.now
        var done = existingMessages
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = existingMessages
            var inFlight = 0
            while next < messages || inFlight > 0 {
                while next < messages && inFlight < concurrency {
                    let index = next
                    group.addTask {
                        let plan = filler.plan(index)
                        let result = try await store.accept(plan.incoming) { _, sequence, transaction in
                            try Filler.decide(plan, sequence: sequence, now: now, seen: seen, transaction: transaction)
                        }
                        guard case .accepted = result else { throw BenchError("message \(index) was not accepted: \(result)") }
                    }
                    next += 1
                    inFlight += 1
                }
                try await group.next()
                inFlight -= 1
                done += 1
                if done % 25_000 == 0 || done == messages {
                    let seconds = Double((ContinuousClock.now - started).components.seconds)
                    print("    \(done) messages (~\(done * 3) items), \(Int(seconds)) s")
                }
            }
        }
        try await store.close()
        let counts = try await database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE is_open = 1") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE is_open = 1 AND due_at <= ?", arguments: [now.storeMillisecondsValue]) ?? 0
            )
        }
        try database.close()
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        print("  filled in \(Int(seconds)) s: \(counts.0) items, \(counts.1) open, \(counts.2) open and overdue (\(String(format: "%.1f", 100 * Double(counts.2) / Double(max(1, counts.0))))%)")
    }
}

/// Which children have been mentioned already (the first mention is a new person).
final class SeenChildren: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [Bool]

    init(count: Int, all: Bool) { seen = Array(repeating: all, count: count) }

    /// Marks `child` seen; true when it was not before.
    func markSeen(_ child: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if seen[child] { return false }
        seen[child] = true
        return true
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: a small, fast, seeded generator (synthetic data must be repeatable).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    /// A duration from weighted bands (weight, lower, upper), uniform within its band.
    mutating func band(_ bands: [(Double, TimeInterval, TimeInterval)]) -> TimeInterval {
        var roll = unit()
        for (weight, lower, upper) in bands {
            if roll < weight { return lower + (upper - lower) * unit() }
            roll -= weight
        }
        let last = bands[bands.count - 1]
        return last.1 + (last.2 - last.1) * unit()
    }
}

/// A version 7 UUID (as the hub's ``TimeOrderedIdentifiers`` makes them) for a given instant.
func uuid7(milliseconds: Int64, _ random: inout SplitMix) -> UUID {
    let ms = UInt64(max(0, milliseconds))
    let a = random.next(), b = random.next()
    var bytes = [UInt8](repeating: 0, count: 16)
    for index in 0..<6 { bytes[index] = UInt8((ms >> (40 - 8 * UInt64(index))) & 0xFF) }
    bytes[6] = 0x70 | UInt8((a >> 8) & 0x0F)
    bytes[7] = UInt8(a & 0xFF)
    bytes[8] = 0x80 | UInt8((b >> 56) & 0x3F)
    for index in 9..<16 { bytes[index] = UInt8((b >> (8 * UInt64(15 - index))) & 0xFF) }
    return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                       bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
}

extension Date {
    var storeMillisecondsValue: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

/// Fictional names, and NHS numbers from the 999 test range with valid check digits.
enum Names {
    static let given = ["amara", "leo", "isla", "noah", "freya", "oliver", "maya", "jack", "zara", "theo", "evie", "arlo", "ruby", "finley",
                        "aisha", "oscar", "poppy", "kai", "ivy", "reuben", "nia", "ezra", "lola", "jude", "hana", "milo", "tilly", "rowan"]
    static let family = ["ashby", "brennan", "calloway", "dunmore", "ellery", "farrant", "gillow", "hartwell", "iveson", "jessop", "kettering",
                         "lomax", "marchbank", "northcott", "ormerod", "pennick", "quarrie", "rowntree", "sallis", "thackeray", "underhill",
                         "varley", "whitlock", "yardley"]
    static let letters = Array("ABDEFGHJLNPQRSTUWXYZ")

    static func nhsNumber(_ seed: UInt64) -> String {
        var value = seed
        while true {
            let body = 999_000_000 + Int(value % 1_000_000)
            let digits = String(body).compactMap(\.wholeNumberValue)
            let sum = zip(digits, (2...10).reversed()).reduce(0) { $0 + $1.0 * $1.1 }
            let check = 11 - sum % 11
            if check != 10 { return "\(body)\(check == 11 ? 0 : check)" }
            value = value &* 6_364_136_223_846_793_005 &+ 1
        }
    }
}

extension Array {
    func randomElement(_ random: inout SplitMix) -> Element { self[Int(random.next() % UInt64(count))] }
}
