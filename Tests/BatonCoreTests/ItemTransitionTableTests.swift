import BatonCore
import Foundation
import Testing

/// Every event a test can send, in a canonical form.
enum Step: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case delivered
    case acknowledged
    case rejected
    case progress = "progress noted"
    case decided
    case onHold = "put on hold"
    case resumed
    case outcome = "outcome recorded"
    case proposedOutcome = "outcome needing sign-off"
    case approved = "sign-off approved"
    case returned = "sign-off returned"
    case cancelled
    case enteredInError = "marked entered in error"
    case resolved
    case tick

    var testDescription: String { rawValue }

    func event(at now: Date) -> ItemEvent {
        let f = ItemFixtures.self
        switch self {
        case .delivered: return .delivered(channel: .pull)
        case .acknowledged: return .acknowledged(by: f.worker, owner: f.owner)
        case .rejected: return .rejected(by: f.worker, reason: "Not for this agency: the family lives in another authority.")
        case .progress: return .progressNoted(by: f.worker, note: "Home visit booked.")
        case .decided: return .decided(by: f.worker, code: "s17-assessment", rationale: "Needs a child and family assessment.")
        case .onHold:
            return .putOnHold(by: f.worker, awaiting: "police-northmoor", reviewAt: now.addingTimeInterval(72 * 3600), reason: "Awaiting police checks.")
        case .resumed: return .resumed(by: f.worker, note: "Police checks returned.")
        case .outcome: return .outcomeRecorded(by: f.worker, code: "early-help", rationale: "The family accepted early help.", needsSignOff: false)
        case .proposedOutcome:
            return .outcomeRecorded(by: f.worker, code: "no-further-action", rationale: "Concerns not substantiated.", needsSignOff: true)
        case .approved: return .signedOff(by: f.manager, approved: true, reason: "Agreed on the evidence.")
        case .returned: return .signedOff(by: f.manager, approved: false, reason: "Speak to the school first.")
        case .cancelled: return .cancelled(by: f.officer, reason: "The referral was sent about the wrong child.")
        case .enteredInError: return .markedEnteredInError(by: f.worker, reason: "A duplicate of another item.")
        case .resolved: return .resolved(reason: "The overdue item moved.")
        case .tick: return .tick
        }
    }
}

/// Items brought into each status (and sub-state) by real events.
enum Fixture: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case requested, received, accepted
    case inProgress = "in progress with a decision"
    case awaitingSignOff = "in progress awaiting sign-off"
    case onHold = "on hold"
    case rejected, completed, cancelled
    case enteredInError = "entered in error"
    case noticeRequested = "notice requested"
    case noticeReceived = "notice received"
    case noticeAccepted = "notice accepted"

    var testDescription: String { rawValue }

    func make() -> Item {
        let f = ItemFixtures.self
        var item = isNotice ? f.escalationNotice() : f.item()
        func step(_ step: Step, _ hours: Double) { item.must(step.event(at: f.hours(hours)), at: f.hours(hours)) }
        switch self {
        case .requested, .noticeRequested: break
        case .received, .noticeReceived: step(.delivered, 0.1)
        case .accepted, .noticeAccepted: step(.delivered, 0.1); step(.acknowledged, 0.2)
        case .inProgress: step(.delivered, 0.1); step(.acknowledged, 0.2); step(.decided, 0.3)
        case .awaitingSignOff: step(.delivered, 0.1); step(.acknowledged, 0.2); step(.decided, 0.3); step(.proposedOutcome, 0.4)
        case .onHold: step(.delivered, 0.1); step(.acknowledged, 0.2); step(.onHold, 0.4)
        case .rejected: step(.delivered, 0.1); step(.rejected, 0.2)
        case .completed: step(.delivered, 0.1); step(.acknowledged, 0.2); step(.outcome, 0.4)
        case .cancelled: step(.delivered, 0.1); step(.cancelled, 0.2)
        case .enteredInError: step(.delivered, 0.1); step(.enteredInError, 0.2)
        }
        return item
    }

    var isNotice: Bool { [.noticeRequested, .noticeReceived, .noticeAccepted].contains(self) }
}

enum ExpectedTransition: Sendable, Equatable {
    case becomes(ItemStatus)
    case refused(ItemTransitionError)
}

@Suite("Item state machine: every event from every state")
struct ItemTransitionTableTests {
    static let noSignOff = ExpectedTransition.refused(.signOff("There is no outcome waiting for sign-off on this item."))

    static func acceptFirst(_ what: String, _ status: ItemStatus) -> ExpectedTransition {
        .refused(.notAllowed(event: what, status: status, hint: "acknowledge (accept) the item and name its owner first"))
    }

    static func onlyOnHold(_ status: ItemStatus) -> ExpectedTransition {
        .refused(.notAllowed(event: "resume", status: status, hint: "only an item on hold can resume"))
    }

    static func onlyNotices(_ status: ItemStatus) -> ExpectedTransition {
        .refused(.notAllowed(event: "resolve", status: status, hint: "only notices are resolved by the hub"))
    }

    static func noticeOnly(_ what: String, _ status: ItemStatus) -> ExpectedTransition {
        .refused(.notAllowed(event: what, status: status, hint: "notices only need acknowledging"))
    }

    static func noReject(_ status: ItemStatus, _ hint: String) -> ExpectedTransition {
        .refused(.notAllowed(event: "reject", status: status, hint: hint))
    }

    /// A closed item changes only to entered-in-error; deliveries, resolutions and ticks are ignored.
    static func closedRow(_ status: ItemStatus) -> [Step: ExpectedTransition] {
        var row: [Step: ExpectedTransition] = [:]
        for step in Step.allCases { row[step] = .refused(.closed(status)) }
        row[.delivered] = .becomes(status)
        row[.resolved] = .becomes(status)
        row[.tick] = .becomes(status)
        row[.enteredInError] = status == .enteredInError ? .refused(.closed(status)) : .becomes(.enteredInError)
        return row
    }

    static func notStartedRow(_ status: ItemStatus) -> [Step: ExpectedTransition] {
        [
            .delivered: .becomes(.received), .acknowledged: .becomes(.accepted), .rejected: .becomes(.rejected),
            .progress: acceptFirst("record progress", status), .decided: acceptFirst("record a decision", status),
            .onHold: acceptFirst("put the item on hold", status), .resumed: onlyOnHold(status),
            .outcome: acceptFirst("record an outcome", status), .proposedOutcome: acceptFirst("record an outcome", status),
            .approved: noSignOff, .returned: noSignOff, .cancelled: .becomes(.cancelled), .enteredInError: .becomes(.enteredInError),
            .resolved: onlyNotices(status), .tick: .becomes(status),
        ]
    }

    static func noticeRow(_ status: ItemStatus) -> [Step: ExpectedTransition] {
        [
            .delivered: .becomes(status == .requested ? .received : status), .acknowledged: .becomes(.accepted),
            .rejected: noReject(status, "notices cannot be rejected"), .progress: noticeOnly("record progress", status),
            .decided: noticeOnly("record a decision", status), .onHold: noticeOnly("put the item on hold", status),
            .resumed: onlyOnHold(status), .outcome: noticeOnly("record an outcome", status),
            .proposedOutcome: noticeOnly("record an outcome", status), .approved: noSignOff, .returned: noSignOff,
            .cancelled: .becomes(.cancelled), .enteredInError: .becomes(.enteredInError), .resolved: .becomes(.completed),
            .tick: .becomes(status),
        ]
    }

    static let table: [Fixture: [Step: ExpectedTransition]] = [
        .requested: notStartedRow(.requested),
        .received: notStartedRow(.received),
        .accepted: [
            .delivered: .becomes(.accepted), .acknowledged: .becomes(.accepted), .rejected: .becomes(.rejected),
            .progress: .becomes(.inProgress), .decided: .becomes(.inProgress), .onHold: .becomes(.onHold),
            .resumed: onlyOnHold(.accepted), .outcome: .becomes(.completed), .proposedOutcome: .becomes(.inProgress),
            .approved: noSignOff, .returned: noSignOff, .cancelled: .becomes(.cancelled), .enteredInError: .becomes(.enteredInError),
            .resolved: onlyNotices(.accepted), .tick: .becomes(.accepted),
        ],
        .inProgress: [
            .delivered: .becomes(.inProgress), .acknowledged: .becomes(.inProgress),
            .rejected: noReject(.inProgress, "a decision has been recorded; record an outcome instead"),
            .progress: .becomes(.inProgress), .decided: .becomes(.inProgress), .onHold: .becomes(.onHold),
            .resumed: onlyOnHold(.inProgress), .outcome: .becomes(.completed), .proposedOutcome: .becomes(.inProgress),
            .approved: noSignOff, .returned: noSignOff, .cancelled: .becomes(.cancelled), .enteredInError: .becomes(.enteredInError),
            .resolved: onlyNotices(.inProgress), .tick: .becomes(.inProgress),
        ],
        .awaitingSignOff: [
            .delivered: .becomes(.inProgress), .acknowledged: .becomes(.inProgress),
            .rejected: noReject(.inProgress, "a decision has been recorded; record an outcome instead"),
            .progress: .becomes(.inProgress), .decided: .becomes(.inProgress),
            .onHold: .refused(.notAllowed(event: "on hold", status: .inProgress, hint: "an outcome is waiting for sign-off")),
            .resumed: onlyOnHold(.inProgress),
            .outcome: .refused(.notAllowed(event: "outcome", status: .inProgress, hint: "an outcome is already waiting for sign-off")),
            .proposedOutcome: .refused(.notAllowed(event: "outcome", status: .inProgress, hint: "an outcome is already waiting for sign-off")),
            .approved: .becomes(.completed), .returned: .becomes(.inProgress), .cancelled: .becomes(.cancelled),
            .enteredInError: .becomes(.enteredInError), .resolved: onlyNotices(.inProgress), .tick: .becomes(.inProgress),
        ],
        .onHold: [
            .delivered: .becomes(.onHold), .acknowledged: .becomes(.onHold),
            .rejected: noReject(.onHold, "work on it has started; record an outcome instead"),
            .progress: .becomes(.onHold), .decided: .becomes(.onHold), .onHold: .becomes(.onHold), .resumed: .becomes(.inProgress),
            .outcome: .becomes(.completed), .proposedOutcome: .becomes(.inProgress), .approved: noSignOff, .returned: noSignOff,
            .cancelled: .becomes(.cancelled), .enteredInError: .becomes(.enteredInError), .resolved: onlyNotices(.onHold),
            .tick: .becomes(.onHold),
        ],
        .rejected: closedRow(.rejected),
        .completed: closedRow(.completed),
        .cancelled: closedRow(.cancelled),
        .enteredInError: closedRow(.enteredInError),
        .noticeRequested: noticeRow(.requested),
        .noticeReceived: noticeRow(.received),
        .noticeAccepted: noticeRow(.accepted),
    ]

    @Test("the fixtures reach every item status, and the table has a row for every fixture and every event")
    func tableIsComplete() {
        let reached = Set(Fixture.allCases.map { $0.make().state.status })
        #expect(reached == Set(ItemStatus.allCases))
        for fixture in Fixture.allCases {
            #expect(Set(Self.table[fixture]?.keys.map { $0 } ?? []) == Set(Step.allCases), "\(fixture.rawValue)")
        }
    }

    @Test("each event from each state is allowed with the right new status, or refused with the right error and no change",
        arguments: Fixture.allCases, Step.allCases)
    func transition(_ fixture: Fixture, _ step: Step) throws {
        let expected = try #require(Self.table[fixture]?[step])
        let before = fixture.make()
        var item = before
        let now = ItemFixtures.hours(1.5)
        let result = item.attempt(step.event(at: now), at: now)
        switch expected {
        case .becomes(let status):
            guard case .success = result else {
                Issue.record("refused: \(result)")
                return
            }
            #expect(item.state.status == status)
            var unversioned = item.state
            unversioned.version = before.state.version
            #expect(item.state.version == before.state.version + (unversioned == before.state ? 0 : 1))
            if status.isTerminal {
                let closure = try #require(item.state.closure)
                #expect(!closure.reason.trimmingCharacters(in: .whitespaces).isEmpty)
                #expect(item.state.escalation == nil)
                #expect(item.state.deadlines.allSatisfy { $0.metAt != nil && $0.pausedRemaining == nil })
            }
        case .refused(let error):
            #expect(result == .failure(error))
            #expect(item == before, "a refused event changes nothing")
        }
    }

    @Test("refusals explain themselves in words a case worker understands")
    func errorDescriptions() {
        #expect(ItemTransitionError.closed(.completed).description
            == "The item is already completed; it cannot change any more (a mistake is corrected with entered-in-error).")
        #expect(ItemTransitionError.notAllowed(event: "resume", status: .accepted, hint: "only an item on hold can resume").description
            == "'resume' is not possible while the item is accepted: only an item on hold can resume.")
        #expect(ItemTransitionError.reasonRequired("Rejecting an item").description == "Rejecting an item needs a reason.")
        #expect(ItemTransitionError.reviewDateNotInFuture.description == "An item on hold needs a review date in the future.")
    }

    @Test("events are named for history and carry their actor (the hub for deliveries, resolutions and ticks)")
    func eventNamesAndActors() {
        let now = ItemFixtures.start
        let names = Step.allCases.map { $0.event(at: now).name }
        #expect(names == [
            "delivered", "acknowledged", "rejected", "progress", "decided", "on-hold", "resumed", "outcome", "outcome-proposed",
            "signed-off", "sign-off-returned", "cancelled", "entered-in-error", "resolved", "tick",
        ])
        #expect(Step.delivered.event(at: now).actor == .hub)
        #expect(Step.resolved.event(at: now).actor == .hub)
        #expect(Step.tick.event(at: now).actor == .hub)
        #expect(Step.approved.event(at: now).actor == ItemFixtures.manager)
        #expect(Step.cancelled.event(at: now).actor == ItemFixtures.officer)
        #expect(Step.acknowledged.event(at: now).actor == ItemFixtures.worker)
    }
}
