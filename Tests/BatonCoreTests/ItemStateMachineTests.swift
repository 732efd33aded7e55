import BatonCore
import Foundation
import Testing

@Suite("Item state machine: deadlines, escalation and closure")
struct ItemStateMachineTests {
    typealias F = ItemFixtures
    static let escalated = ItemEffect.notifyRecipient(reason: "escalated")

    func hours(_ value: Double) -> Date { F.hours(value) }

    // MARK: - Acknowledging is not acting

    @Test("acknowledging meets only the delivery and acknowledgement deadlines; decision and outcome keep running")
    func acknowledgingIsNotActing() throws {
        var item = F.item()
        let effects = item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(0.5))
        #expect(effects.isEmpty)
        #expect(item.state.status == .accepted)
        #expect(item.state.owner == F.owner)
        #expect(item.state.receivedAt == hours(0.5), "an acknowledgement proves receipt")
        #expect(item.state.acknowledgedAt == hours(0.5))
        #expect(item.state.deadline(.delivery)?.metAt == hours(0.5))
        #expect(item.state.deadline(.acknowledgement)?.metAt == hours(0.5))
        let decision = try #require(item.state.deadline(.decision))
        #expect(decision.isActive && decision.dueAt == hours(24))
        let outcome = try #require(item.state.deadline(.outcome))
        #expect(outcome.isActive && outcome.dueAt == hours(120))
        #expect(item.state.nextStep == .decision)
        #expect(item.state.dueAt == hours(24))

        // The decision deadline still passes and escalates.
        let late = item.must(.tick, at: hours(24))
        #expect(late == [.escalate(level: 1, deadline: .decision, overdueSince: hours(24)), Self.escalated])
        #expect(item.state.deadline(.decision)?.breachedAt == hours(24))
    }

    @Test("acknowledging an overdue item does not end an escalation while the decision is still overdue")
    func acknowledgingLateKeepsEscalation() {
        var item = F.item()
        item.must(.delivered(channel: .push), at: hours(0.5))
        let breach = item.must(.tick, at: hours(24))
        #expect(breach == [.escalate(level: 1, deadline: .acknowledgement, overdueSince: hours(24)), Self.escalated])
        #expect(item.state.deadline(.acknowledgement)?.breachedAt == hours(24))
        #expect(item.state.deadline(.decision)?.breachedAt == hours(24))

        let acknowledged = item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(24.5))
        #expect(acknowledged.isEmpty)
        #expect(item.state.escalation != nil)

        let decided = item.must(.decided(by: F.worker, code: "s47-enquiry", rationale: "Significant harm suspected."), at: hours(24.6))
        #expect(decided == [.resolveEscalation(reason: "Nothing on the item is overdue any more.")])
        #expect(item.state.escalation == nil)
        #expect(item.state.status == .inProgress)
        #expect(item.state.decision?.code == "s47-enquiry")
        #expect(item.state.nextStep == .outcome)
    }

    // MARK: - On hold

    @Test("on hold pauses the decision and outcome, times the review date, and resuming restarts them with the time that was left")
    func holdAndResume() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.putOnHold(by: F.worker, awaiting: "police-northmoor", reviewAt: hours(72), reason: "Awaiting police checks."), at: hours(2))
        #expect(item.state.status == .onHold)
        #expect(item.state.hold == Hold(awaiting: "police-northmoor", reviewAt: hours(72), since: hours(2), reason: "Awaiting police checks."))
        #expect(item.state.deadline(.decision)?.pausedRemaining == TimeInterval(22 * 3600))
        #expect(item.state.deadline(.outcome)?.pausedRemaining == TimeInterval(118 * 3600))
        #expect(item.state.deadline(.decision)?.isActive == false)
        #expect(item.state.deadline(.review)?.dueAt == hours(72))
        #expect(item.state.nextStep == .review)
        #expect(item.state.dueAt == hours(72))
        #expect(item.state.nextCheckAt(after: hours(2)) == hours(72))

        // The decision would have been overdue at 24 hours, but it is paused.
        let version = item.state.version
        #expect(item.must(.tick, at: hours(30)).isEmpty)
        #expect(item.state.version == version)
        #expect(item.state.deadline(.decision)?.breachedAt == nil)

        item.must(.resumed(by: F.worker, note: "Checks returned."), at: hours(50))
        #expect(item.state.status == .inProgress)
        #expect(item.state.hold == nil)
        #expect(item.state.deadline(.review)?.metAt == hours(50))
        let decision = try #require(item.state.deadline(.decision))
        #expect(decision.isActive && decision.dueAt == hours(72))
        #expect(item.state.deadline(.outcome)?.dueAt == hours(168))
        #expect(item.state.nextStep == .decision)
    }

    @Test("a review date that passes while on hold escalates on the review step")
    func reviewDateEscalates() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.putOnHold(by: F.worker, awaiting: "police investigation", reviewAt: hours(48), reason: nil), at: hours(2))
        #expect(item.must(.tick, at: hours(47.9)).isEmpty)
        #expect(item.must(.tick, at: hours(48)) == [.escalate(level: 1, deadline: .review, overdueSince: hours(48)), Self.escalated])
        // Resuming meets the review and ends the escalation.
        let resumed = item.must(.resumed(by: F.worker, note: nil), at: hours(49))
        #expect(resumed == [.resolveEscalation(reason: "Nothing on the item is overdue any more.")])
        #expect(item.state.deadline(.decision)?.dueAt == hours(49 + 22))
    }

    @Test("putting an item on hold again replaces the review date and keeps when the hold began")
    func holdAgain() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.putOnHold(by: F.worker, awaiting: "police-northmoor", reviewAt: hours(48), reason: nil), at: hours(2))
        item.must(.putOnHold(by: F.worker, awaiting: "health records", reviewAt: hours(96), reason: "Police passed it to health."), at: hours(40))
        #expect(item.state.hold?.since == hours(2))
        #expect(item.state.hold?.awaiting == "health records")
        let reviews = item.state.deadlines.filter { $0.kind == .review }
        #expect(reviews.count == 2, "nothing is deleted: the first review is met, not removed")
        #expect(reviews.first?.metAt == hours(40))
        #expect(reviews.last?.dueAt == hours(96) && reviews.last?.isActive == true)
        #expect(item.state.deadline(.decision)?.pausedRemaining == TimeInterval(22 * 3600), "still the time left when the first hold began")
    }

    @Test("a hold needs a review date in the future and something it awaits")
    func holdValidation() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let before = item
        #expect(item.attempt(.putOnHold(by: F.worker, awaiting: "police", reviewAt: hours(2), reason: nil), at: hours(2))
            == .failure(.reviewDateNotInFuture))
        #expect(item.attempt(.putOnHold(by: F.worker, awaiting: "police", reviewAt: hours(1.5), reason: nil), at: hours(2))
            == .failure(.reviewDateNotInFuture))
        #expect(item.attempt(.putOnHold(by: F.worker, awaiting: "", reviewAt: hours(48), reason: nil), at: hours(2))
            == .failure(.reasonRequired("Putting an item on hold (what it awaits)")))
        #expect(item == before)
    }

    @Test("recording an outcome while on hold ends the hold")
    func outcomeFromHold() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.putOnHold(by: F.worker, awaiting: "police-northmoor", reviewAt: hours(48), reason: nil), at: hours(2))
        item.must(.outcomeRecorded(by: F.worker, code: "early-help", rationale: "Family accepted early help.", needsSignOff: false), at: hours(3))
        #expect(item.state.status == .completed)
        #expect(item.state.hold == nil)
        #expect(item.state.deadlines.allSatisfy { $0.metAt == hours(3) || $0.metAt == hours(1) })
    }

    // MARK: - Sign-off

    @Test("an outcome that needs sign-off pauses the outcome deadline and starts a sign-off deadline")
    func proposingAnOutcome() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let effects = item.must(.outcomeRecorded(by: F.worker, code: "no-further-action", rationale: "Concerns not substantiated.", needsSignOff: true), at: hours(3))
        #expect(effects.isEmpty)
        #expect(item.state.status == .inProgress)
        #expect(item.state.outcome == nil && item.state.closure == nil)
        let proposed = try #require(item.state.proposedOutcome)
        #expect(proposed.code == "no-further-action" && proposed.by == F.worker && proposed.at == hours(3))
        #expect(item.state.deadline(.decision)?.metAt == hours(3), "an outcome settles the decision too")
        #expect(item.state.deadline(.outcome)?.pausedRemaining == TimeInterval(117 * 3600))
        #expect(item.state.deadline(.signOff)?.dueAt == hours(7))
        #expect(item.state.nextStep == .signOff)
        #expect(item.state.nextCheckAt(after: hours(3)) == hours(7))
    }

    @Test("approval by someone else closes the item with the signed-off outcome and tells the referrer")
    func approval() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "no-further-action", rationale: "Concerns not substantiated.", needsSignOff: true), at: hours(3))
        let effects = item.must(.signedOff(by: F.manager, approved: true, reason: "Agreed on the evidence."), at: hours(5))
        let outcome = try #require(item.state.outcome)
        #expect(outcome.signedOffBy == F.manager)
        #expect(outcome.by == F.worker && outcome.code == "no-further-action")
        #expect(effects == [.tellReferrer(outcome)])
        #expect(item.state.status == .completed)
        #expect(item.state.proposedOutcome == nil)
        #expect(item.state.closure == Closure(by: F.manager, at: hours(5), reason: "Concerns not substantiated."))
        #expect(item.state.deadline(.signOff)?.metAt == hours(5))
        #expect(item.state.deadline(.outcome)?.metAt == hours(5) && item.state.deadline(.outcome)?.pausedRemaining == nil)
        #expect(item.state.nextCheckAt(after: hours(5)) == nil)
    }

    @Test("the person who recorded an outcome cannot sign it off, however they write their name")
    func samePersonCannotSignOff() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "no-further-action", rationale: "Concerns not substantiated.", needsSignOff: true), at: hours(3))
        let before = item
        let refusal = ItemTransitionError.signOff("An outcome must be signed off by someone other than the person who recorded it.")
        #expect(item.attempt(.signedOff(by: F.worker, approved: true, reason: "Agreed."), at: hours(4)) == .failure(refusal))
        let shouting = Actor(kind: .agency, agency: F.mash, name: "ALEX EXAMPLE", role: "team manager")
        #expect(item.attempt(.signedOff(by: shouting, approved: true, reason: "Agreed."), at: hours(4)) == .failure(refusal))
        #expect(item.attempt(.signedOff(by: F.worker, approved: false, reason: "Changed my mind."), at: hours(4)) == .failure(refusal))
        #expect(item.attempt(.signedOff(by: F.manager, approved: true, reason: ""), at: hours(4)) == .failure(.reasonRequired("Signing off an outcome")))
        #expect(item == before)
    }

    @Test("returning an outcome resumes the outcome deadline with the time that was left")
    func returningAnOutcome() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "no-further-action", rationale: "Concerns not substantiated.", needsSignOff: true), at: hours(3))
        let effects = item.must(.signedOff(by: F.manager, approved: false, reason: "Speak to the school first."), at: hours(5))
        #expect(effects.isEmpty)
        #expect(item.state.status == .inProgress)
        #expect(item.state.proposedOutcome == nil && item.state.outcome == nil)
        #expect(item.state.deadline(.signOff)?.metAt == hours(5))
        let outcome = try #require(item.state.deadline(.outcome))
        #expect(outcome.isActive && outcome.dueAt == hours(5 + 117))
        // A new outcome can be proposed and approved.
        item.must(.outcomeRecorded(by: F.worker, code: "early-help", rationale: "School confirms support is needed.", needsSignOff: true), at: hours(6))
        #expect(item.state.deadlines.filter { $0.kind == .signOff }.count == 2)
        item.must(.signedOff(by: F.manager, approved: true, reason: "Agreed."), at: hours(7))
        #expect(item.state.outcome?.code == "early-help")
    }

    @Test("a sign-off deadline that passes escalates, and approval ends the escalation")
    func signOffDeadlineEscalates() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "other", rationale: "Family moved abroad.", needsSignOff: true), at: hours(3))
        #expect(item.must(.tick, at: hours(7)) == [.escalate(level: 1, deadline: .signOff, overdueSince: hours(7)), Self.escalated])
        let effects = item.must(.signedOff(by: F.manager, approved: true, reason: "Agreed."), at: hours(8))
        #expect(effects.first == .resolveEscalation(reason: "The item was completed."))
        #expect(effects.count == 2)
    }

    @Test("without a sign-off rule in its terms, sign-off is due in one working day")
    func defaultSignOffRule() {
        var item = F.item(signOff: nil)
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "other", rationale: "See notes.", needsSignOff: true), at: at("2026-03-06T16:00:00Z"))
        #expect(item.state.deadline(.signOff)?.dueAt == at("2026-03-09T16:00:00Z"))
    }

    // MARK: - Escalation

    @Test("a tick after a deadline passes marks it breached, escalates to the first rung and notifies the recipient")
    func firstBreach() throws {
        var item = F.item()
        #expect(item.must(.tick, at: hours(1.99)).isEmpty)
        let effects = item.must(.tick, at: hours(2))
        #expect(effects == [.escalate(level: 1, deadline: .delivery, overdueSince: hours(2)), Self.escalated])
        #expect(item.state.deadline(.delivery)?.breachedAt == hours(2))
        let escalation = try #require(item.state.escalation)
        #expect(escalation == Escalation(level: 1, deadline: .delivery, overdueSince: hours(2), startedAt: hours(2), nextAt: hours(3)))
        #expect(item.state.escalations == 1)
        #expect(item.state.nextCheckAt(after: hours(2)) == hours(3))
        #expect(item.state.dueAt == hours(2), "an overdue step stays the item's due time")
        #expect(item.state.nextStep == .delivery)
    }

    @Test("a tick long after the deadline records when the step was due, not when it was noticed")
    func lateSweep() {
        var item = F.item()
        let effects = item.must(.tick, at: hours(5))
        #expect(effects == [.escalate(level: 1, deadline: .delivery, overdueSince: hours(2)), Self.escalated])
        #expect(item.state.deadline(.delivery)?.breachedAt == hours(5))
        #expect(item.state.escalation?.startedAt == hours(5))
        #expect(item.state.escalation?.nextAt == hours(6))
    }

    @Test("ticks before escalateEvery has elapsed do nothing; after it the level climbs to the top of the ladder and stays there")
    func ladderClimb() {
        var item = F.item(ladder: 3)
        item.must(.tick, at: hours(2))
        let version = item.state.version
        #expect(item.must(.tick, at: hours(2.5)).isEmpty)
        #expect(item.must(.tick, at: hours(2.999)).isEmpty)
        #expect(item.state.version == version, "a tick that changes nothing is not a new version")

        let climbs: [(Double, Int)] = [(3, 2), (4, 3), (5, 3), (6.5, 3)]
        for (time, level) in climbs {
            let effects = item.must(.tick, at: hours(time))
            #expect(effects == [.escalate(level: level, deadline: .delivery, overdueSince: hours(2)), Self.escalated], "at \(time) h")
            #expect(item.state.escalation?.level == level)
            #expect(item.state.escalation?.nextAt == hours(time + 1))
            #expect(item.state.escalation?.startedAt == hours(2))
        }
        #expect(item.state.escalations == 1, "one episode, however high it climbs")
    }

    @Test("the escalation climbs after escalateEvery counted in working days when the terms say so")
    func workingDayClimb() {
        var item = F.item(escalateEvery: .workingDays(1))
        // Delivery due Monday 12:00; the tick on Friday 16:00 starts the escalation.
        item.must(.tick, at: at("2026-03-06T16:00:00Z"))
        #expect(item.state.escalation?.nextAt == at("2026-03-09T16:00:00Z"))
        #expect(item.must(.tick, at: at("2026-03-08T12:00:00Z")).isEmpty, "nothing climbs over the weekend")
    }

    @Test("an agency with no ladder still gets a level-1 escalation")
    func noLadder() {
        var item = F.item(ladder: 0)
        #expect(item.must(.tick, at: hours(2)).first == .escalate(level: 1, deadline: .delivery, overdueSince: hours(2)))
        #expect(item.must(.tick, at: hours(3)).first == .escalate(level: 1, deadline: .delivery, overdueSince: hours(2)))
    }

    @Test("meeting the overdue step resolves the escalation; a later breach on the same item starts one rung higher")
    func secondEpisode() throws {
        var item = F.item(ladder: 3)
        item.must(.tick, at: hours(2))
        item.must(.tick, at: hours(3))
        let delivered = item.must(.delivered(channel: .push), at: hours(3.5))
        #expect(delivered == [.resolveEscalation(reason: "Nothing on the item is overdue any more.")])
        #expect(item.state.escalation == nil)
        #expect(item.state.deadline(.delivery)?.metAt == hours(3.5))
        #expect(item.state.deadline(.delivery)?.breachedAt == hours(2), "the breach stays on record")
        #expect(item.state.nextCheckAt(after: hours(3.5)) == hours(24))

        let second = item.must(.tick, at: hours(24))
        #expect(second == [.escalate(level: 2, deadline: .acknowledgement, overdueSince: hours(24)), Self.escalated])
        #expect(item.state.escalations == 2)
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(24.1))
        item.must(.decided(by: F.worker, code: "s17-assessment", rationale: "Assessment needed."), at: hours(24.2))
        #expect(item.state.escalation == nil)

        let third = item.must(.tick, at: hours(120))
        #expect(third == [.escalate(level: 3, deadline: .outcome, overdueSince: hours(120)), Self.escalated])
        #expect(item.state.escalations == 3)
        #expect(try #require(item.state.escalation).level == 3)
    }

    @Test("a fourth episode on a three-rung ladder starts at the top rung")
    func episodesCapAtLadder() {
        var item = F.item(steps: [(.delivery, 1), (.acknowledgement, 2), (.decision, 3), (.outcome, 4)], ladder: 3)
        item.must(.tick, at: hours(1))
        item.must(.delivered(channel: .pull), at: hours(1.1))
        item.must(.tick, at: hours(2))
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(2.1))
        item.must(.tick, at: hours(3))
        item.must(.decided(by: F.worker, code: "early-help", rationale: "Early help."), at: hours(3.1))
        let fourth = item.must(.tick, at: hours(4))
        #expect(fourth.first == .escalate(level: 3, deadline: .outcome, overdueSince: hours(4)))
        #expect(item.state.escalations == 4)
    }

    @Test("closing an escalated item resolves its escalation")
    func closingResolvesEscalation() {
        for (event, status) in [
            (ItemEvent.cancelled(by: F.officer, reason: "Withdrawn by the referrer."), ItemStatus.cancelled),
            (.markedEnteredInError(by: F.worker, reason: "Duplicate."), .enteredInError),
            (.rejected(by: F.worker, reason: "Not our area."), .rejected),
        ] {
            var item = F.item()
            item.must(.tick, at: hours(2))
            let effects = item.must(event, at: hours(2.5))
            #expect(effects.contains(.resolveEscalation(reason: "The item was \(status.rawValue).")))
            #expect(item.state.escalation == nil)
            #expect(item.state.nextCheckAt(after: hours(2.5)) == nil)
        }
    }

    @Test("a paused deadline that was already overdue escalates again, one rung higher, when it resumes")
    func overdueThenPausedThenResumed() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.tick, at: hours(24))
        #expect(item.state.escalation?.deadline == .decision)
        let held = item.must(.putOnHold(by: F.worker, awaiting: "police-northmoor", reviewAt: hours(48), reason: nil), at: hours(25))
        #expect(held == [.resolveEscalation(reason: "Nothing on the item is overdue any more.")])
        #expect(item.state.deadline(.decision)?.pausedRemaining == TimeInterval(0))
        let resumed = item.must(.resumed(by: F.worker, note: nil), at: hours(30))
        #expect(resumed == [.escalate(level: 2, deadline: .decision, overdueSince: hours(30)), Self.escalated])
    }

    // MARK: - Closure

    @Test("every terminal state records who closed the item, when and why")
    func closures() throws {
        var rejected = F.item()
        let rejectedEffects = rejected.must(.rejected(by: F.worker, reason: "The family lives in another authority."), at: hours(1))
        #expect(rejected.state.closure == Closure(by: F.worker, at: hours(1), reason: "The family lives in another authority."))
        #expect(rejectedEffects == [.returnToTriage(reason: "The family lives in another authority.")])
        #expect(rejected.state.acknowledgedAt == hours(1), "a rejection answers the acknowledgement")

        var cancelled = F.item()
        #expect(cancelled.must(.cancelled(by: F.officer, reason: "Sent about the wrong child."), at: hours(1)) == [.notifyRecipient(reason: "cancelled")])
        #expect(cancelled.state.closure == Closure(by: F.officer, at: hours(1), reason: "Sent about the wrong child."))

        var withdrawnByRecipient = F.item()
        #expect(withdrawnByRecipient.must(.cancelled(by: F.manager, reason: "Closed by the MASH manager."), at: hours(1)).isEmpty,
            "the recipient does not need telling of its own cancellation")

        var mistaken = F.item()
        #expect(mistaken.must(.markedEnteredInError(by: F.officer, reason: "Test message."), at: hours(1)) == [.notifyRecipient(reason: "marked entered in error")])
        #expect(mistaken.state.closure?.reason == "Test message.")

        var completed = F.item()
        completed.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        completed.must(.outcomeRecorded(by: F.worker, code: "s47-enquiry", rationale: "Enquiry opened.", needsSignOff: false), at: hours(2))
        #expect(completed.state.closure == Closure(by: F.worker, at: hours(2), reason: "Enquiry opened."))

        var notice = F.escalationNotice()
        notice.must(.delivered(channel: .push), at: hours(0.5))
        #expect(notice.must(.resolved(reason: "The overdue item was acknowledged."), at: hours(1)).isEmpty)
        #expect(notice.state.closure == Closure(by: .hub, at: hours(1), reason: "The overdue item was acknowledged."))
        #expect(notice.state.status == .completed)
    }

    @Test("a closed item can still be marked entered in error, which replaces its closure and tells the recipient")
    func correctingAClosedItem() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "noted", rationale: "Recorded.", needsSignOff: false), at: hours(2))
        let effects = item.must(.markedEnteredInError(by: F.manager, reason: "Recorded against the wrong child."), at: hours(3))
        #expect(effects == [.notifyRecipient(reason: "marked entered in error")])
        #expect(item.state.status == .enteredInError)
        #expect(item.state.closure == Closure(by: F.manager, at: hours(3), reason: "Recorded against the wrong child."))
        #expect(item.state.outcome?.code == "noted", "the outcome stays on record")
        var again = item
        #expect(again.attempt(.markedEnteredInError(by: F.manager, reason: "Again."), at: hours(4)) == .failure(.closed(.enteredInError)))
        #expect(item.attempt(.markedEnteredInError(by: F.manager, reason: " "), at: hours(4)) == .failure(.closed(.enteredInError)))
    }

    @Test("empty or blank reasons are refused for every closing event and every recorded answer", arguments: ["", "   "])
    func blankReasonsRefused(_ blank: String) {
        var fresh = F.item()
        let freshBefore = fresh
        #expect(fresh.attempt(.rejected(by: F.worker, reason: blank), at: hours(1)) == .failure(.reasonRequired("Rejecting an item")))
        #expect(fresh.attempt(.cancelled(by: F.officer, reason: blank), at: hours(1)) == .failure(.reasonRequired("Cancelling an item")))
        #expect(fresh.attempt(.markedEnteredInError(by: F.officer, reason: blank), at: hours(1))
            == .failure(.reasonRequired("Marking an item entered in error")))
        #expect(fresh.attempt(.acknowledged(by: F.worker, owner: Owner(name: blank)), at: hours(1))
            == .failure(.reasonRequired("Acknowledging an item (an owner's name)")))
        #expect(fresh == freshBefore)

        var accepted = F.item()
        accepted.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let acceptedBefore = accepted
        #expect(accepted.attempt(.progressNoted(by: F.worker, note: blank), at: hours(2)) == .failure(.reasonRequired("A progress update (a note)")))
        #expect(accepted.attempt(.decided(by: F.worker, code: "early-help", rationale: blank), at: hours(2))
            == .failure(.reasonRequired("A decision (its rationale)")))
        #expect(accepted.attempt(.outcomeRecorded(by: F.worker, code: "early-help", rationale: blank, needsSignOff: false), at: hours(2))
            == .failure(.reasonRequired("An outcome (its rationale)")))
        #expect(accepted.attempt(.outcomeRecorded(by: F.worker, code: "other", rationale: blank, needsSignOff: true), at: hours(2))
            == .failure(.reasonRequired("An outcome (its rationale)")), "an outcome that could never be signed off is refused at once")
        #expect(accepted.attempt(.putOnHold(by: F.worker, awaiting: blank, reviewAt: hours(48), reason: nil), at: hours(2))
            == .failure(.reasonRequired("Putting an item on hold (what it awaits)")))
        #expect(accepted == acceptedBefore)

        accepted.must(.outcomeRecorded(by: F.worker, code: "other", rationale: "See the notes.", needsSignOff: true), at: hours(2))
        #expect(accepted.attempt(.signedOff(by: F.manager, approved: false, reason: blank), at: hours(3))
            == .failure(.reasonRequired("Signing off an outcome")))

        var notice = F.escalationNotice()
        #expect(notice.attempt(.resolved(reason: blank), at: hours(1)) == .failure(.reasonRequired("Resolving a notice")))
    }

    @Test("completion tells the referrer only when the item has one to tell")
    func tellReferrer() throws {
        var withReferrer = F.item(feedbackTo: F.police)
        withReferrer.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let effects = withReferrer.must(
            .outcomeRecorded(by: F.worker, code: "transferred", rationale: "Passed to the school.", needsSignOff: false,
                transferTo: F.school, transferPurpose: "assess-and-act"), at: hours(2))
        let outcome = try #require(withReferrer.state.outcome)
        #expect(outcome.transferTo == F.school && outcome.transferPurpose == "assess-and-act")
        #expect(effects == [.tellReferrer(outcome)])

        var without = F.item(feedbackTo: nil)
        without.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        #expect(without.must(.outcomeRecorded(by: F.worker, code: "noted", rationale: "Recorded.", needsSignOff: false), at: hours(2)).isEmpty)
        #expect(without.state.status == .completed)
    }

    @Test("a strategy discussion tells its requester the decision when it is recorded, and not again when it closes")
    func discussionToldAtDecision() throws {
        var discussion = F.item(purpose: SystemPurpose.strategyDiscussion, feedbackTo: F.police)
        discussion.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let decided = discussion.must(.decided(by: F.worker, code: "s47-enquiry", rationale: "Threshold met."), at: hours(2))
        #expect(decided == [.tellReferrer(try #require(discussion.state.decision))])
        let closed = discussion.must(.outcomeRecorded(by: .hub, code: "s47-enquiry", rationale: "Every action closed.", needsSignOff: false), at: hours(3))
        #expect(closed.isEmpty)
        #expect(discussion.state.status == .completed)
    }

    @Test("a declined strategy-discussion invitation is an answer: it does not return to triage")
    func declinedInvitation() {
        var invitation = F.item(purpose: SystemPurpose.strategyInvitation, feedbackTo: nil)
        #expect(invitation.must(.rejected(by: F.worker, reason: "Our lead is on leave."), at: hours(1)).isEmpty)
        #expect(invitation.state.status == .rejected)
    }

    @Test("whatever the outcome code, completing an item with a referrer tells the referrer", arguments: [
        "no-further-action", "signposted", "early-help", "s17-assessment", "s47-enquiry", "strategy-discussion",
        "police-investigation", "open-case-updated", "support-in-school", "noted", "transferred", "other",
    ])
    func everyOutcomeIsToldToTheReferrer(_ code: String) throws {
        var item = F.item(feedbackTo: F.police)
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        let effects = item.must(.outcomeRecorded(by: F.worker, code: code, rationale: "Synthetic rationale.", needsSignOff: false), at: hours(2))
        #expect(effects == [.tellReferrer(try #require(item.state.outcome))])
    }

    @Test("an outcome without a decision settles the decision deadline")
    func outcomeSettlesDecision() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "signposted", rationale: "Signposted to a family hub.", needsSignOff: false), at: hours(2))
        #expect(item.state.decision == nil)
        #expect(item.state.deadline(.decision)?.metAt == hours(2))
    }

    // MARK: - Notices

    @Test("outcome feedback completes when it is delivered to the referrer, and when the referrer acknowledges it")
    func outcomeFeedbackCompletes() {
        var delivered = F.outcomeFeedback()
        #expect(delivered.must(.delivered(channel: .push), at: hours(1)).isEmpty)
        #expect(delivered.state.status == .completed)
        #expect(delivered.state.closure == Closure(by: .hub, at: hours(1), reason: "The outcome was delivered to the referrer."))
        #expect(delivered.state.receivedAt == hours(1))
        #expect(delivered.state.version == 1)

        var acknowledged = F.outcomeFeedback()
        acknowledged.must(.acknowledged(by: F.officer, owner: Owner(name: "Sergeant Test Person")), at: hours(2))
        #expect(acknowledged.state.status == .completed)
        #expect(acknowledged.state.closure == Closure(by: F.officer, at: hours(2), reason: "The referrer acknowledged the outcome."))
    }

    @Test("an escalation notice stays open once delivered, with nothing timed, until what it is about moves")
    func escalationNoticeWaits() {
        var notice = F.escalationNotice()
        notice.must(.delivered(channel: .push), at: hours(0.5))
        #expect(notice.state.status == .received)
        #expect(notice.state.dueAt == nil && notice.state.nextStep == nil)
        #expect(notice.must(.tick, at: hours(100)).isEmpty)
        #expect(notice.isOpen)
        notice.must(.resolved(reason: "The overdue item was acknowledged."), at: hours(101))
        #expect(!notice.isOpen)
    }

    @Test("an escalation notice never escalates itself, even undelivered: the item it is about climbs instead")
    func noticesDoNotEscalate() {
        var notice = F.escalationNotice()
        #expect(notice.must(.tick, at: hours(1)).isEmpty)
        #expect(notice.must(.tick, at: hours(30)).isEmpty)
        #expect(notice.state.escalation == nil && notice.state.escalations == 0)
        #expect(notice.state.version == 0)
        #expect(notice.nextCheckAt(after: hours(0)) == nil, "the sweeper never looks at it")
        #expect(notice.must(.delivered(channel: .pull), at: hours(31)).isEmpty)
        #expect(notice.state.deadline(.delivery)?.metAt == hours(31))
    }

    @Test("an item's next check is its state's, except for escalation notices, which are never checked by time")
    func itemNextCheck() {
        let item = F.item()
        #expect(item.nextCheckAt(after: hours(0)) == item.state.nextCheckAt(after: hours(0)))
        #expect(item.nextCheckAt(after: hours(0)) == hours(2))
        let feedback = F.outcomeFeedback()
        #expect(feedback.nextCheckAt(after: hours(0)) == hours(24))
    }

    // MARK: - Versions and scheduling

    @Test("the version increases by one exactly when the state changes")
    func versions() {
        var item = F.item()
        func expectVersion(_ version: Int, after event: ItemEvent, at time: Double, _ note: Comment) {
            _ = item.attempt(event, at: hours(time))
            #expect(item.state.version == version, note)
        }
        #expect(item.state.version == 0)
        expectVersion(0, after: .tick, at: 1, "nothing due yet")
        expectVersion(1, after: .delivered(channel: .push), at: 1.1, "delivered")
        expectVersion(1, after: .delivered(channel: .pull), at: 1.2, "delivered again changes nothing")
        expectVersion(2, after: .acknowledged(by: F.worker, owner: F.owner), at: 1.3, "acknowledged")
        expectVersion(2, after: .acknowledged(by: F.worker, owner: F.owner), at: 1.4, "the same owner again")
        expectVersion(3, after: .acknowledged(by: F.manager, owner: Owner(name: "Morgan Sample")), at: 1.5, "ownership changes hands")
        expectVersion(3, after: .resumed(by: F.worker, note: nil), at: 1.6, "a refused event")
        expectVersion(4, after: .progressNoted(by: F.worker, note: "Called the school."), at: 1.7, "progress moves it to in progress")
        expectVersion(5, after: .tick, at: 24, "the decision goes overdue")
        expectVersion(5, after: .tick, at: 24.5, "before the next climb")
        expectVersion(6, after: .tick, at: 25, "the escalation climbs")
        expectVersion(7, after: .outcomeRecorded(by: F.worker, code: "noted", rationale: "Recorded.", needsSignOff: false), at: 26, "completed")
        expectVersion(7, after: .tick, at: 200, "a closed item does not change")
        expectVersion(7, after: .delivered(channel: .push), at: 201, "nor when delivered again")
    }

    @Test("dueAt, nextStep and nextCheckAt follow the running deadlines and the escalation")
    func scheduling() {
        var item = F.item(steps: [(.delivery, 2), (.acknowledgement, 24), (.decision, 24), (.outcome, 120)])
        #expect(item.state.dueAt == hours(2))
        #expect(item.state.nextStep == .delivery)
        #expect(item.state.nextCheckAt(after: hours(0)) == hours(2))

        item.must(.delivered(channel: .push), at: hours(1))
        #expect(item.state.nextStep == .acknowledgement, "equal due times: the earlier step comes first")
        #expect(item.state.dueAt == hours(24))
        #expect(item.state.nextCheckAt(after: hours(1)) == hours(24))

        item.must(.tick, at: hours(24))
        #expect(item.state.dueAt == hours(24), "overdue steps are still what is due")
        #expect(item.state.nextStep == .acknowledgement)
        #expect(item.state.nextCheckAt(after: hours(24)) == hours(25), "the next climb, not the breached deadlines")

        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(24.5))
        #expect(item.state.nextStep == .decision)
        item.must(.decided(by: F.worker, code: "early-help", rationale: "Early help."), at: hours(24.6))
        #expect(item.state.nextStep == .outcome)
        #expect(item.state.nextCheckAt(after: hours(24.6)) == hours(120))

        item.must(.outcomeRecorded(by: F.worker, code: "early-help", rationale: "Done.", needsSignOff: false), at: hours(30))
        #expect(item.state.dueAt == nil && item.state.nextStep == nil)
        #expect(item.state.nextCheckAt(after: hours(30)) == nil)
    }

    @Test("items and their history survive a round trip through JSON")
    func codable() throws {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: hours(1))
        item.must(.putOnHold(by: F.worker, awaiting: "police-northmoor", reviewAt: hours(48), reason: "Checks."), at: hours(2))
        item.must(.tick, at: hours(48))
        let data = try JSONEncoder().encode(item)
        #expect(try JSONDecoder().decode(Item.self, from: data) == item)
    }
}

@Suite("Item state machine: driven by a manual clock")
struct ItemManualClockTests {
    @Test("a sweeper ticking on a manual clock escalates exactly when the clock passes a deadline and climbs once an hour")
    func sweeperOnAManualClock() {
        let clock = ManualClock(ItemFixtures.start)
        var item = ItemFixtures.item()
        var escalations: [Int] = []
        for _ in 0..<(6 * 12) {
            clock.advance(by: 300)
            for effect in item.must(.tick, at: clock.now()) {
                if case .escalate(let level, _, _) = effect { escalations.append(level) }
            }
            if item.state.escalation?.startedAt == clock.now() { #expect(clock.now() == ItemFixtures.hours(2)) }
        }
        // Breached at 2 h; climbs at 3, 4, 5 and 6 h, staying at the top rung.
        #expect(escalations == [1, 2, 3, 3, 3])
        #expect(clock.now() == ItemFixtures.hours(6))
    }
}

@Suite("Escalation and sign-off details")
struct EscalationDetailTests {
    typealias F = ItemFixtures

    @Test("once the first overdue step is done, the escalation names the step still overdue")
    func escalationNamesTheCurrentStep() {
        var item = F.item()
        item.must(.tick, at: F.hours(25))
        #expect(item.state.escalation?.deadline == .delivery)
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: F.hours(25.5))
        #expect(item.state.escalation?.deadline == .decision)
        #expect(item.state.escalation?.overdueSince == F.hours(24))
    }

    @Test("signing off needs the signer's name, so an unnamed system cannot approve its own outcome")
    func signOffNeedsAName() {
        var item = F.item()
        item.must(.acknowledged(by: F.worker, owner: F.owner), at: F.hours(1))
        item.must(.outcomeRecorded(by: F.worker, code: "no-further-action", rationale: "Nothing further.", needsSignOff: true), at: F.hours(2))
        let unnamed = Actor.agency(F.mash)
        guard case .failure(.signOff) = item.attempt(.signedOff(by: unnamed, approved: true, reason: "Agreed."), at: F.hours(3)) else {
            Issue.record("an unnamed sign-off was accepted")
            return
        }
        item.must(.signedOff(by: F.manager, approved: true, reason: "Agreed."), at: F.hours(3))
        #expect(item.state.status == .completed)
    }
}
