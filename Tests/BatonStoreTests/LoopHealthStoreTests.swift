import BatonCore
import BatonStore
import Foundation
import Testing

/// The auditor's loop-health figures over a small store whose every milestone is known.
@Suite("LoopHealth: store figures")
struct LoopHealthStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let hour: TimeInterval = 3_600
    static let day: TimeInterval = 86_400
    static let query = LoopHealthQuery(from: t0, to: t0 + 30 * day, now: t0 + 40 * day)

    static func agency(_ name: String) -> AgencyID { AgencyID(rawValue: name)! }

    /// An item with the milestones given (offsets from its creation) and, when `due` is set, one
    /// running acknowledgement deadline.
    static func item(
        _ sender: String, _ recipient: String, created: TimeInterval, purpose: String = "referral-to-mash", kind: ItemKind = .action,
        status: ItemStatus = .requested, acknowledged: TimeInterval? = nil, decision: TimeInterval? = nil, outcome: TimeInterval? = nil,
        due: Date? = nil, related: ItemID? = nil
    ) -> Item {
        let createdAt = t0 + created
        var item = Item(
            id: ItemID(UUID()), messageSequence: 1, messageSender: agency(sender), messageId: MessageID(UUID()), recipient: agency(recipient),
            purpose: purpose, kind: kind, subjects: ["c1"], risk: nil, createdAt: createdAt, origin: "test", relatedItem: related,
            terms: ItemTerms(deadlineClass: "test", escalateEvery: .workingDays(1), ladderLength: 1),
            deadlines: due.map { [Deadline(kind: .acknowledgement, dueAt: $0)] } ?? [])
        item.state.status = status
        item.state.acknowledgedAt = acknowledged.map { createdAt + $0 }
        let actor = Actor.agency(agency(recipient))
        item.state.decision = decision.map { RecordedOutcome(code: "s17", rationale: "r", by: actor, at: createdAt + $0) }
        item.state.outcome = outcome.map { RecordedOutcome(code: "nfa", rationale: "r", by: actor, at: createdAt + $0) }
        return item
    }

    static func insert(_ items: [Item], into store: SQLiteStore) async throws {
        try await store.write { transaction in
            for item in items {
                try transaction.apply(.insertItem(item, subjects: [], history: ItemHistoryEntry(
                    itemID: item.id, version: 0, at: item.createdAt, event: "created", status: item.state.status, actor: .hub)))
            }
        }
    }

    @Test("funnel, distributions, overdue bands and who does not answer whom")
    func itemFigures() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        let now = Self.query.now
        let a = Self.item("police", "mash", created: 1 * Self.day, status: .completed, acknowledged: 0.5 * Self.hour, decision: 2 * Self.hour, outcome: 2 * Self.day)
        let b = Self.item("police", "mash", created: 2 * Self.day, status: .completed, acknowledged: 5 * Self.hour, outcome: 10 * Self.day)
        let items = [
            a, b,
            // Told (completed feedback) about a; feedback about b still undelivered.
            Self.item("police", "police", created: 3 * Self.day, purpose: SystemPurpose.outcomeFeedback, kind: .notice, status: .completed, related: a.id),
            Self.item("police", "police", created: 12 * Self.day, purpose: SystemPurpose.outcomeFeedback, kind: .notice, related: b.id),
            // c: acknowledged after 48 hours, overdue 10 days; d: not acknowledged, overdue 2 hours.
            Self.item("school", "mash", created: 3 * Self.day, status: .accepted, acknowledged: 48 * Self.hour, due: now - 10 * Self.day),
            Self.item("school", "mash", created: 4 * Self.day, due: now - 2 * Self.hour),
            // e: overdue 34 days.
            Self.item("police", "school", created: 5 * Self.day, due: Self.t0 + 6 * Self.day),
            // Not loop items: an escalation notice, an information request (overdue 3 days), an
            // item entered in error.
            Self.item("police", "mash", created: 6 * Self.day, purpose: SystemPurpose.escalationNotice, kind: .notice, status: .completed),
            Self.item("mash", "police", created: 7 * Self.day, purpose: SystemPurpose.informationRequest, status: .accepted, acknowledged: Self.hour, due: now - 3 * Self.day),
            Self.item("police", "mash", created: 8 * Self.day, status: .enteredInError, acknowledged: Self.hour),
            // Triage counts; acknowledged after 30 days.
            Self.item("police", "mash", created: 9 * Self.day, purpose: SystemPurpose.triage, status: .accepted, acknowledged: 30 * Self.day),
            // Before the period, overdue exactly 1 day; after the period.
            Self.item("police", "mash", created: -5 * Self.day, due: now - Self.day),
            Self.item("police", "mash", created: 31 * Self.day, status: .accepted, acknowledged: Self.hour),
        ]
        try await Self.insert(items, into: store)
        let figures = try await store.read { try $0.loopHealth(Self.query) }

        #expect(figures.funnel == LoopHealthFigures.Funnel(received: 6, acknowledged: 4, decided: 2, outcome: 2, referrerTold: 1))
        #expect(figures.timeToAcknowledge.buckets.map(\.count) == [1, 0, 1, 1, 0, 0, 1])
        #expect(figures.timeToAcknowledge.median == Self.day)
        #expect(figures.timeToAcknowledge.p90 == nil)
        #expect(figures.timeToAcknowledge.quantileBeyondLast(0.9))
        #expect(figures.timeToOutcome.buckets.map(\.count) == [0, 0, 0, 1, 0, 1, 0])
        #expect(figures.timeToOutcome.median == 3 * Self.day)
        #expect(figures.timeToOutcome.p90 == 28 * Self.day)

        #expect(figures.overdue == [
            LoopHealthFigures.OverdueRow(agency: "mash", bands: [1, 1, 1, 0]),
            LoopHealthFigures.OverdueRow(agency: "police", bands: [0, 1, 0, 0]),
            LoopHealthFigures.OverdueRow(agency: "school", bands: [0, 0, 0, 1]),
        ])
        #expect(figures.overdueByBand == [1, 2, 1, 1])
        #expect(figures.overdueTotal == 5)
        #expect(Set(figures.pairs) == [
            LoopHealthFigures.PairRow(sender: "police", recipient: "mash", overdue: 1, inPeriod: 3, unacknowledged: 0),
            LoopHealthFigures.PairRow(sender: "school", recipient: "mash", overdue: 2, inPeriod: 2, unacknowledged: 1),
            LoopHealthFigures.PairRow(sender: "police", recipient: "school", overdue: 1, inPeriod: 1, unacknowledged: 1),
            LoopHealthFigures.PairRow(sender: "mash", recipient: "police", overdue: 1, inPeriod: 0, unacknowledged: 0),
        ])
        #expect(figures.pairs.first == LoopHealthFigures.PairRow(sender: "school", recipient: "mash", overdue: 2, inPeriod: 2, unacknowledged: 1))
        try await store.close()
    }

    @Test("the counters kept as items change (acknowledged, decided, outcome, feedback delivered, entered in error, a decision replaced) equal those of the final states written at once")
    func countersFollowChanges() async throws {
        let changing = try SQLiteStore(path: try temporaryDatabase())
        let direct = try SQLiteStore(path: try temporaryDatabase())
        let day = Self.day, hour = Self.hour
        var finals: [Item] = []
        var steps: [[Item]] = []
        // Each item as first stored, then each later state.
        for index in 0..<12 {
            let created = Double(index) * 2 * day + hour
            var item = Self.item(index % 3 == 0 ? "school" : "police", index % 2 == 0 ? "mash" : "school", created: created)
            var states = [item]
            func next(_ change: (inout Item) -> Void) {
                change(&item)
                item.state.version += 1
                states.append(item)
            }
            if index % 4 != 3 { next { $0.state.status = .accepted; $0.state.acknowledgedAt = $0.createdAt + Double(index + 1) * 3 * hour } }
            if index % 3 != 2 { next { $0.state.decision = RecordedOutcome(code: "s17", rationale: "r", by: .hub, at: $0.createdAt + Double(index + 2) * 5 * hour) } }
            if index % 2 == 0 {
                next {
                    $0.state.status = .completed
                    $0.state.outcome = RecordedOutcome(code: "nfa", rationale: "r", by: .hub, at: $0.createdAt + Double(index + 1) * day)
                }
            }
            if index == 5 { next { $0.state.status = .enteredInError } }
            steps.append(states)
            finals.append(item)
            if index % 2 == 0 && index % 4 == 0 {
                // The referrer told: feedback stored pending, then delivered.
                var feedback = Self.item("police", "police", created: created + 3 * day, purpose: SystemPurpose.outcomeFeedback, kind: .notice, related: item.id)
                let pending = feedback
                feedback.state.status = .completed
                feedback.state.version += 1
                steps.append([pending, feedback])
                finals.append(feedback)
            }
        }
        for states in steps {
            try await changing.write { transaction in
                for (position, state) in states.enumerated() {
                    let history = ItemHistoryEntry(itemID: state.id, version: state.state.version, at: state.createdAt, event: "e", status: state.state.status, actor: .hub)
                    try transaction.apply(position == 0 ? .insertItem(state, subjects: [], history: history) : .updateItem(state, history: history))
                }
            }
        }
        try await Self.insert(finals, into: direct)
        @Sendable func decision(_ basis: String, _ shown: [Bool]) -> String {
            let sections = shown.map { #"{"label":"s","shown":\#($0),"rule":"r","reason":"x"}"# }.joined(separator: ",")
            return #"{"policyVersion":"v1","recipient":"mash","purpose":"p","sections":[\#(sections)],"consent":{"status":"given","basis":"\#(basis)"}}"#
        }
        let item = ItemID(UUID())
        try await changing.write { transaction in
            try transaction.apply(.disclosure(item: item, policyVersion: "v1", at: Self.t0 + day, record: decision("consent", [true, true])))
            try transaction.apply(.disclosure(item: item, policyVersion: "v2", at: Self.t0 + 2 * day, record: decision("safeguarding", [true, false])))
        }
        try await direct.write { transaction in
            try transaction.apply(.disclosure(item: item, policyVersion: "v2", at: Self.t0 + 2 * day, record: decision("safeguarding", [true, false])))
        }
        let a = try await changing.read { try $0.loopHealth(Self.query) }
        let b = try await direct.read { try $0.loopHealth(Self.query) }
        #expect(a.funnel == b.funnel)
        #expect(a.funnel.received == 11 && a.funnel.referrerTold == 3, "\(a.funnel)")
        #expect(a.timeToAcknowledge == b.timeToAcknowledge)
        #expect(a.timeToOutcome == b.timeToOutcome)
        #expect(Set(a.pairs) == Set(b.pairs))
        #expect(a.sharing == b.sharing)
        #expect(a.sharing == [LoopHealthFigures.SharingRow(basis: "safeguarding", decisions: 1, sectionsShown: 1, sectionsWithheld: 1)])
        try await changing.close()
        try await direct.close()
    }

    static func record(sex: String? = nil, dob: String? = nil, nhs: String? = nil) -> String {
        var fields = [#""given":["amy"]"#, #""surname":["smith"]"#, #""localIDs":[]"#, #""online":[]"#]
        if let sex { fields.append(#""sex":"\#(sex)""#) }
        if let dob { fields.append(#""dob":"\#(dob)""#) }
        if let nhs { fields.append(#""nhs":"\#(nhs)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Accepts a message received at `received` naming `subjects` (person, record) and `others`.
    static func message(
        _ kind: MessageKind, received: Date, subjects: [(PersonID, String)], others: [PersonID] = [], into store: SQLiteStore
    ) async throws {
        let id = MessageID(UUID())
        let jws = Array("header.\(id).signature".utf8)
        let message = IncomingMessage(
            sender: agency("police"), messageId: id, kind: kind, senderKid: "police/k1", sentAt: received, receivedAt: received, jws: jws,
            sha256: "\(id)")
        _ = try await store.accept(message) { _, sequence, transaction in
            for (index, subject) in subjects.enumerated() {
                try transaction.apply(.linkMention(MentionLink(
                    messageSequence: sequence, ref: "c\(index)", person: subject.0, role: "subject", match: .new, record: subject.1)))
            }
            for (index, other) in others.enumerated() {
                try transaction.apply(.linkMention(MentionLink(
                    messageSequence: sequence, ref: "p\(index)", person: other, role: "person", match: .new, record: record())))
            }
            return IntakeDecision(receipt: "receipt", summary: [:])
        }
    }

    @Test("re-referrals within 365 days, unknown demographics, sharing by lawful basis")
    func messageFigures() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase())
        let (p1, p2, p3, p4) = (PersonID(UUID()), PersonID(UUID()), PersonID(UUID()), PersonID(UUID()))
        let full = Self.record(sex: "female", dob: "2015-03-01", nhs: "9434765919")
        let t0 = Self.t0, day = Self.day
        try await Self.message(.referral, received: t0 - 400 * day, subjects: [(p4, full)], into: store)
        try await Self.message(.referral, received: t0 - 200 * day, subjects: [(p1, full)], into: store)
        // In the period: p1 again (a re-referral), p2 for the first time, p4 after more than a year.
        try await Self.message(.referral, received: t0 + 1 * day, subjects: [(p1, Self.record(dob: "2015-03-01", nhs: "9434765919"))], into: store)
        try await Self.message(.referral, received: t0 + 2 * day, subjects: [(p2, Self.record())], others: [p3], into: store)
        try await Self.message(.notification, received: t0 + 3 * day, subjects: [(p2, full)], into: store)
        try await Self.message(.referral, received: t0 + 5 * day, subjects: [(p4, full)], into: store)
        // After the period.
        try await Self.message(.referral, received: t0 + 40 * day, subjects: [(p1, Self.record())], into: store)

        @Sendable func decision(_ consent: String?, _ shown: [Bool]) -> String {
            let sections = shown.map { #"{"label":"s","shown":\#($0),"rule":"r","reason":"x"}"# }.joined(separator: ",")
            let consentJSON = consent.map { #","consent":{"status":"not-sought","basis":"\#($0)"}"# } ?? ""
            return #"{"policyVersion":"v1","recipient":"mash","purpose":"p","sections":[\#(sections)]\#(consentJSON)}"#
        }
        try await store.write { transaction in
            let decisions: [(TimeInterval, String?, [Bool])] = [
                (1, "safeguarding", [true, false, true]), (2, "safeguarding", [true]), (3, "consent", [true]), (4, nil, [false, false]),
                (35, "consent", [true]),
            ]
            for (offset, basis, shown) in decisions {
                try transaction.apply(.disclosure(item: ItemID(UUID()), policyVersion: "v1", at: t0 + offset * day, record: decision(basis, shown)))
            }
        }

        let figures = try await store.read { try $0.loopHealth(Self.query) }
        #expect(figures.reReferrals == LoopHealthFigures.ReReferrals(referrals: 3, reReferrals: 1))
        #expect(figures.demographics == LoopHealthFigures.Demographics(
            subjectMentions: 4, children: 3, sexNotKnown: 2, dateOfBirthMissing: 1, nhsNumberMissing: 1))
        #expect(figures.sharing == [
            LoopHealthFigures.SharingRow(basis: nil, decisions: 1, sectionsShown: 0, sectionsWithheld: 2),
            LoopHealthFigures.SharingRow(basis: "consent", decisions: 1, sectionsShown: 1, sectionsWithheld: 0),
            LoopHealthFigures.SharingRow(basis: "safeguarding", decisions: 2, sectionsShown: 3, sectionsWithheld: 1),
        ])
        #expect(figures.audit.checkpoint == nil)
        #expect(figures.audit.storedRootMatches == nil)
        try await store.close()
    }

    @Test("the audit log's latest checkpoint and whether the stored tree has its root")
    func auditCheckpoint() async throws {
        let store = try SQLiteStore(path: try temporaryDatabase(), treeHeadSigner: { size, _, _ in "jws-\(size)" })
        for index in 0..<5 { try await store.write { try $0.apply(.event("test.event", ["n": .number(Double(index))])) } }
        let checkpoint = try #require(try await store.auditCheckpoint())
        try await store.write { try $0.apply(.event("test.event", ["n": .number(9)])) }
        let audit = try await store.read { try $0.loopHealth(Self.query) }.audit
        #expect(audit.logSize == 6)
        #expect(audit.checkpoint?.size == 5)
        #expect(audit.checkpoint?.root == checkpoint.root)
        #expect(audit.storedRootMatches == true)
        try await store.close()
    }
}
