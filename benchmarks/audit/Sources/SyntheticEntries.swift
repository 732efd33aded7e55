import BatonCore
import Foundation

/// BatonCore's seeded SplitMix64 generator, with the helpers this benchmark draws with, so that every build of a log holds the same entries.
struct SeededRandom: RandomNumberGenerator {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Audit-log entries shaped like the hub's (`SQLiteTransaction.appendAuditEntry`, with the changes
/// `AuditJournal.describe` writes): `{"index","at","event","changes":[…]}`, serialised with
/// `JSONValue` as the store does. References and hashes only, like the real log:
///   - intake (55%): `message.received` and one of `identity.link`, `item.created`, `events`;
///   - a read of personal data (30%): `access` with the reader, persons, sections, basis, purpose;
///   - an item's workflow (15%): `item.changed` with its actor.
/// 300–650 bytes each, about 450 on average.
///
/// `hubSized`: intake entries as the hub writes them for the intake benchmark's referrals
/// (measured: 2.7 KB on average, 182–4,858 bytes): the message, each person named created or
/// linked with its match record's hash, relationships, households, events, facts, the item and its
/// disclosure decision (1.3–3.6 KB here). About 1.6 KB on average with the reads and workflow
/// entries.
struct SyntheticEntries {
    let hubSized: Bool
    private var random: SeededRandom
    private var sequence: Int64 = 0
    private var items: [String] = []
    private var persons: [String] = []

    static let agencies = [
        "police-northmoor", "mash-northmoor", "childrens-social-care-northmoor", "school-st-aidans-primary",
        "school-northmoor-academy", "health-northmoor-icb", "gp-riverside-practice", "health-visiting-northmoor",
        "police-eastvale", "ambulance-north",
    ]
    static let kinds = ["referral", "notification", "update", "reply"]
    static let purposes = ["triage", "strategy-discussion", "section-47-enquiry", "early-help", "information-request", "notification"]
    static let statuses = ["received", "accepted", "in-progress", "on-hold", "completed", "rejected"]
    static let events = ["acknowledge", "decide", "record-progress", "hold", "complete", "reassign", "escalate"]
    static let sections = [
        "child.identity", "child.address", "referral.concern", "referral.risk", "health.summary", "health.mental",
        "education.attendance", "police.incident", "family.household", "consent",
    ]
    static let bases = ["consent", "public-task", "vital-interests", "legal-obligation"]
    static let eventNames = ["referral", "concern.neglect", "concern.domestic-abuse", "concern.missing", "concern.exploitation", "attendance"]

    init(seed: UInt64, hubSized: Bool = false) {
        random = SeededRandom(seed: seed)
        self.hubSized = hubSized
    }

    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: count)
        var word = random.next()
        for i in 0..<count {
            if i % 16 == 0 { word = random.next() }
            bytes[i] = digits[Int(word & 15)]
            word >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A time-ordered (UUIDv7) identifier, as the hub gives items, persons and deliveries.
    mutating func uuid(at: Date) -> String {
        let ms = String(UInt64(at.timeIntervalSince1970 * 1000), radix: 16)
        let time = String(repeating: "0", count: max(0, 12 - ms.count)) + ms
        return "\(time.prefix(8))-\(time.suffix(4))-7\(hex(3))-\(random.pick(["8", "9", "a", "b"]))\(hex(3))-\(hex(12))"
    }

    mutating func person(at: Date) -> String {
        if persons.count < 5_000 || random.below(4) == 0 {
            let id = uuid(at: at)
            if persons.count < 50_000 { persons.append(id) } else { persons[random.below(persons.count)] = id }
            return id
        }
        return random.pick(persons)
    }

    /// An item made now, remembered for later reads and changes.
    mutating func newItem(at: Date) -> String {
        let id = uuid(at: at)
        if items.count < 50_000 { items.append(id) } else { items[random.below(items.count)] = id }
        return id
    }

    /// An item read or changed: one made earlier.
    mutating func item(at: Date) -> String {
        items.isEmpty ? newItem(at: at) : random.pick(items)
    }

    mutating func actor() -> JSONValue {
        ["kind": "agency", "agency": .string(random.pick(Self.agencies)), "role": .string(random.pick(["lead", "practitioner", "manager"]))]
    }

    /// What deciding a referral writes besides the message (`IntakePipeline`): a child and 1–3 adults, each
    /// created or linked with its match record's hash; how the adults relate to the child; their
    /// household; the events; facts about the child; the item for the MASH and its disclosure
    /// decision.
    mutating func intakeChanges(sequence: Int64, at: Date) -> [JSONValue] {
        var changes: [JSONValue] = []
        let refs = ["c1"] + (0...random.below(3)).map { "p\($0 + 1)" }
        var child = ""
        for ref in refs {
            let linked = random.below(3) == 0
            let id = linked ? person(at: at) : uuid(at: at)
            if ref == "c1" { child = id }
            if !linked { changes.append(["change": "person.created", "person": .string(id), "kind": .string(ref == "c1" ? "child" : "person")]) }
            changes.append([
                "change": "identity.link", "messageSequence": .number(Double(sequence)), "ref": .string(ref), "person": .string(id),
                "match": .string(linked ? "linked" : "new"), "basis": .string(linked ? random.pick(["nhs-number", "probabilistic"]) : "new"),
                "recordSha256": .string(hex(64)),
            ])
        }
        for ref in refs.dropFirst() {
            changes.append(["change": "relationship", "messageSequence": .number(Double(sequence)), "from": .string(ref), "to": "c1", "role": .string(random.pick(["mother", "father", "carer", "sibling"]))])
        }
        let household = hex(32)
        for ref in refs { changes.append(["change": "household", "messageSequence": .number(Double(sequence)), "ref": .string(ref), "household": .string(household)]) }
        changes.append(["change": "events", "messageSequence": .number(Double(sequence)), "events": .array((0...random.below(2)).map { _ in .string(random.pick(Self.eventNames)) })])
        for name in ["home-authority", "school-urn", "gp-practice"].prefix(random.below(3) + 1) {
            changes.append(["change": "fact", "person": .string(child), "name": .string(name), "messageSequence": .number(Double(sequence)), "valueSha256": .string(hex(64))])
        }
        let item = newItem(at: at)
        changes.append([
            "change": "item.created", "item": .string(item), "recipient": "northmoor-mash", "purpose": "decide-response", "kind": "action",
            "status": "requested", "messageSequence": .number(Double(sequence)), "subjects": [.string(child)], "actor": ["kind": "hub"],
        ])
        changes.append(["change": "disclosure", "item": .string(item), "policyVersion": .string(hex(64)), "recordSha256": .string(hex(64))])
        return changes
    }

    /// The exact bytes of entry `index`, appended at `at`.
    mutating func body(index: Int, at: Date) -> [UInt8] {
        var object: JSONObject = ["index": .number(Double(index)), "at": .string(RFC3339.format(at))]
        let draw = random.below(100)
        var changes: [JSONValue] = []
        if draw < 55 {
            object["event"] = "intake"
            sequence += 1
            let sender = random.pick(Self.agencies)
            changes.append([
                "change": "message.received", "messageSequence": .number(Double(sequence)), "sender": .string(sender),
                "messageId": .string(uuid(at: at)), "kind": .string(random.pick(Self.kinds)), "kid": .string("\(sender)/2026-\(random.below(12) + 1)"),
                "sha256": .string(hex(64)),
            ])
            if hubSized {
                changes += intakeChanges(sequence: sequence, at: at)
            } else {
                switch random.below(3) {
                case 0:
                    changes.append([
                        "change": "identity.link", "messageSequence": .number(Double(sequence)), "ref": .string("p\(random.below(4) + 1)"),
                        "person": .string(person(at: at)), "match": .string(random.pick(["linked", "linked", "new", "review"])),
                        "recordSha256": .string(hex(64)),
                    ])
                case 1:
                    changes.append([
                        "change": "item.created", "item": .string(newItem(at: at)), "recipient": .string(random.pick(Self.agencies)),
                        "purpose": .string(random.pick(Self.purposes)), "kind": "action", "status": "requested",
                        "messageSequence": .number(Double(sequence)), "subjects": [.string(person(at: at))], "actor": ["kind": "hub"],
                    ])
                default:
                    changes.append([
                        "change": "events", "messageSequence": .number(Double(sequence)),
                        "events": .array((0...random.below(3)).map { _ in .string(random.pick(Self.eventNames)) }),
                    ])
                }
            }
        } else if draw < 85 {
            object["event"] = "write"
            let sections = (0...random.below(4)).map { _ in JSONValue.string(random.pick(Self.sections)) }
            changes.append([
                "change": "access", "channel": .string(random.pick(["api", "api", "ui", "webhook"])), "resource": "item",
                "reader": .string(random.pick(Self.agencies)), "role": "lead", "persons": [.string(person(at: at))],
                "sections": .array(sections), "item": .string(item(at: at)), "messageSequence": .number(Double(max(1, sequence))),
                "basis": .string(random.pick(Self.bases)), "purpose": .string(random.pick(Self.purposes)),
            ])
        } else {
            object["event"] = "write"
            changes.append([
                "change": "item.changed", "item": .string(item(at: at)), "event": .string(random.pick(Self.events)),
                "status": .string(random.pick(Self.statuses)), "version": .number(Double(random.below(8) + 2)), "actor": actor(),
            ])
        }
        object["changes"] = .array(changes)
        return JSONValue.object(object).serialized()
    }
}
