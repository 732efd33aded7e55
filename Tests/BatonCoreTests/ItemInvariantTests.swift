import BatonCore
import Foundation
import Testing

/// DESIGN.md's invariants, checked after every step of scripted scenarios.
@Suite("Item state machine: invariants along whole scenarios")
struct ItemInvariantTests {
    typealias F = ItemFixtures

    /// The problems with `item` just after an event applied at `now`; empty when every invariant holds.
    static func violations(of item: Item, at now: Date) -> [String] {
        var problems: [String] = []
        let state = item.state
        if item.isOpen {
            let runningInFuture = state.deadlines.contains { $0.isActive && $0.dueAt > now }
            // DESIGN.md excepts escalation notices once delivered; since they never escalate
            // themselves (the item they are about climbs instead), they are excepted throughout.
            let deliveredNotice = item.kind == .notice && item.purpose == SystemPurpose.escalationNotice
            if !runningInFuture, state.escalation == nil, !deliveredNotice {
                problems.append("open with no deadline running in the future and no escalation")
            }
            if state.closure != nil { problems.append("open with a closure") }
            if let next = item.nextCheckAt(after: now), next <= now { problems.append("next check \(next) is not after now") }
            if item.nextCheckAt(after: now) == nil, !deliveredNotice { problems.append("open but never checked again") }
            if let escalation = state.escalation {
                if escalation.level < 1 || escalation.level > max(1, item.terms.ladderLength) { problems.append("escalation level out of the ladder") }
                if !state.deadlines.contains(where: { $0.isActive && $0.dueAt <= now }) { problems.append("escalated with nothing overdue") }
            }
            if (state.status == .onHold) != (state.hold != nil) { problems.append("hold and status disagree") }
        } else {
            if let closure = state.closure {
                if closure.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("closed with a blank reason") }
                if closure.at > now { problems.append("closed in the future") }
            } else {
                problems.append("closed without a closure")
            }
            if state.escalation != nil { problems.append("closed with an escalation") }
            if state.deadlines.contains(where: { $0.metAt == nil || $0.pausedRemaining != nil }) { problems.append("closed with a deadline running") }
            if state.nextCheckAt(after: now) != nil { problems.append("closed but still scheduled") }
        }
        if state.deadlines.contains(where: { $0.breachedAt != nil && $0.breachedAt! < $0.dueAt && $0.pausedRemaining == nil && $0.metAt == nil }) {
            problems.append("breached before it was due")
        }
        return problems
    }

    /// Applies each step in order (refusals are part of the script: they must change nothing) and
    /// checks the invariants after every one. Returns the item and every effect, in order.
    @discardableResult
    static func run(_ start: Item, _ script: [(Double, ItemEvent)], sourceLocation: SourceLocation = #_sourceLocation) -> (Item, [ItemEffect]) {
        var item = start
        var effects: [ItemEffect] = []
        var version = item.state.version
        var deadlineCount = item.state.deadlines.count
        for (hours, event) in script {
            let now = F.hours(hours)
            let before = item
            switch item.attempt(event, at: now) {
            case .success(let new): effects += new
            case .failure: #expect(item == before, "a refused \(event.name) changed the item", sourceLocation: sourceLocation)
            }
            let problems = violations(of: item, at: now)
            #expect(problems.isEmpty, "after \(event.name) at \(hours) h: \(problems)", sourceLocation: sourceLocation)
            #expect(item.state.version == version || item.state.version == version + 1, sourceLocation: sourceLocation)
            #expect(item.state.deadlines.count >= deadlineCount, "deadlines are never removed", sourceLocation: sourceLocation)
            version = item.state.version
            deadlineCount = item.state.deadlines.count
        }
        return (item, effects)
    }

    /// Ticks every `every` hours from `from` to `to`.
    static func ticks(from: Double, to: Double, every: Double = 0.5) -> [(Double, ItemEvent)] {
        stride(from: from, through: to, by: every).map { ($0, ItemEvent.tick) }
    }

    let worker = F.worker
    let manager = F.manager

    @Test("a referral worked promptly keeps a running deadline at every step and closes with its outcome")
    func promptReferral() {
        let (item, effects) = Self.run(F.item(), [
            (0.1, .delivered(channel: .push)),
            (0.5, .acknowledged(by: worker, owner: F.owner)),
            (1, .tick),
            (3, .decided(by: worker, code: "s17-assessment", rationale: "Needs an assessment.")),
            (10, .progressNoted(by: worker, note: "Visited the family.")),
            (20, .tick),
            (40, .outcomeRecorded(by: worker, code: "early-help", rationale: "Early help agreed.", needsSignOff: false)),
            (41, .tick),
        ])
        #expect(item.state.status == .completed)
        #expect(!effects.contains { if case .escalate = $0 { true } else { false } })
    }

    @Test("a neglected referral escalates, climbs, is worked late, waits for sign-off, is returned and finally approved")
    func neglectedReferral() {
        var script: [(Double, ItemEvent)] = Self.ticks(from: 0, to: 30)
        script += [
            (30.2, .delivered(channel: .pull)),
            (30.4, .acknowledged(by: worker, owner: F.owner)),
            (31, .decided(by: worker, code: "s47-enquiry", rationale: "Significant harm suspected.")),
            (31.5, .rejected(by: worker, reason: "Too late to refuse.")),
            (32, .outcomeRecorded(by: worker, code: "other", rationale: "Child moved abroad.", needsSignOff: true)),
            (33, .putOnHold(by: worker, awaiting: "manager", reviewAt: F.hours(40), reason: nil)),
        ]
        script += Self.ticks(from: 33, to: 40)
        script += [
            (40.5, .signedOff(by: worker, approved: true, reason: "Self-approval.")),
            (41, .signedOff(by: manager, approved: false, reason: "Check with the new authority first.")),
        ]
        script += Self.ticks(from: 41, to: 130, every: 3)
        script += [
            (131, .outcomeRecorded(by: worker, code: "other", rationale: "New authority confirmed.", needsSignOff: true)),
            (132, .signedOff(by: manager, approved: true, reason: "Agreed.")),
            (133, .tick),
        ]
        let (item, effects) = Self.run(F.item(), script)
        #expect(item.state.status == .completed)
        #expect(item.state.outcome?.signedOffBy == manager)
        let levels = effects.compactMap { effect -> Int? in
            if case .escalate(let level, _, _) = effect { return level }
            return nil
        }
        #expect(levels.first == 1)
        #expect(levels.max() == 3)
        #expect(effects.contains(.resolveEscalation(reason: "Nothing on the item is overdue any more.")))
        #expect(effects.last.map { if case .tellReferrer = $0 { true } else { false } } == true)
    }

    @Test("an item on hold past its review date escalates, resumes and completes")
    func holdScenario() {
        var script: [(Double, ItemEvent)] = [
            (0.2, .acknowledged(by: worker, owner: F.owner)),
            (2, .putOnHold(by: worker, awaiting: "police-northmoor", reviewAt: F.hours(30), reason: "Awaiting checks.")),
        ]
        script += Self.ticks(from: 2, to: 35, every: 1)
        script += [
            (35.5, .putOnHold(by: worker, awaiting: "health records", reviewAt: F.hours(60), reason: nil)),
            (36, .resumed(by: worker, note: "Records in.")),
            (36, .resumed(by: worker, note: "Twice.")),
        ]
        script += Self.ticks(from: 36, to: 70, every: 2)
        script += [(71, .outcomeRecorded(by: worker, code: "noted", rationale: "Recorded.", needsSignOff: false))]
        let (item, effects) = Self.run(F.item(), script)
        #expect(item.state.status == .completed)
        #expect(effects.contains(.escalate(level: 1, deadline: .review, overdueSince: F.hours(30))))
    }

    @Test("notices: an escalation notice that is delivered late and then resolved, and outcome feedback that is delivered late")
    func notices() {
        var script: [(Double, ItemEvent)] = Self.ticks(from: 0, to: 6)
        script += [(6.2, .delivered(channel: .push))]
        script += Self.ticks(from: 7, to: 20, every: 4)
        script += [(21, .acknowledged(by: worker, owner: F.owner)), (22, .resolved(reason: "The overdue item moved."))]
        let (notice, noticeEffects) = Self.run(F.escalationNotice(), script)
        #expect(notice.state.status == .completed)
        #expect(noticeEffects.isEmpty, "an escalation notice never escalates itself")

        let (feedback, _) = Self.run(F.outcomeFeedback(), Self.ticks(from: 0, to: 30, every: 2) + [(31, .delivered(channel: .pull))])
        #expect(feedback.state.status == .completed)
    }

    @Test("rejection, cancellation and correction close the item for good")
    func closingScenarios() {
        let (rejected, rejectedEffects) = Self.run(F.item(), Self.ticks(from: 0, to: 3) + [
            (3.1, .rejected(by: worker, reason: "Wrong authority.")),
            (4, .tick),
            (5, .acknowledged(by: worker, owner: F.owner)),
            (6, .markedEnteredInError(by: manager, reason: "Sent to us by mistake.")),
            (7, .cancelled(by: F.officer, reason: "Withdrawn.")),
        ])
        #expect(rejected.state.status == .enteredInError)
        #expect(rejectedEffects.contains(.returnToTriage(reason: "Wrong authority.")))

        let (cancelled, _) = Self.run(F.item(), [
            (0.1, .delivered(channel: .push)),
            (0.2, .acknowledged(by: worker, owner: F.owner)),
            (1, .outcomeRecorded(by: worker, code: "other", rationale: "See notes.", needsSignOff: true)),
            (2, .cancelled(by: F.officer, reason: "The referrer withdrew it.")),
            (3, .signedOff(by: manager, approved: true, reason: "Too late.")),
        ])
        #expect(cancelled.state.status == .cancelled)
    }

    @Test("a round-the-clock item ticked every five minutes for a week never breaks an invariant")
    func longRunningTicks() {
        let item = F.item(steps: [(.delivery, 0.25), (.acknowledgement, 1), (.decision, 4), (.outcome, 24)], ladder: 3)
        var script = Self.ticks(from: 0, to: 168, every: 1.0 / 12)
        script.insert((50, .acknowledged(by: worker, owner: F.owner)), at: 600)
        let (final, effects) = Self.run(item, script)
        #expect(final.isOpen)
        #expect(final.state.escalation?.level == 3)
        #expect(effects.filter { if case .escalate = $0 { true } else { false } }.count > 3)
    }
}
