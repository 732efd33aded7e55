import Foundation

/// The item state machine (DESIGN.md, "Items: the state machine").
///
/// A pure function of the item, an event, the time and the calendar: it returns the effects for
/// the workflow to carry out and never does I/O, so every transition can be tested with a manual
/// clock. Its invariants:
/// - no terminal state without an actor, a time and a reason (``Closure``);
/// - acknowledging is not acting: acknowledgement meets only the delivery and acknowledgement
///   deadlines; the decision and outcome deadlines keep running;
/// - while the item is open, some deadline is running in the future or an escalation is active;
/// - nothing is removed: deadlines are met, paused or breached, never deleted.
///
/// ```swift
/// var item = ...
/// let effects = try item.apply(.acknowledged(by: actor, owner: Owner(name: "J. Rowntree")), at: now, calendar: calendar)
/// ```
extension Item {
    @discardableResult
    public mutating func apply(_ event: ItemEvent, at now: Date, calendar: WorkCalendar) throws(ItemTransitionError) -> [ItemEffect] {
        var machine = ItemMachine(item: self, now: now, calendar: calendar)
        try machine.handle(event)
        machine.checkDeadlines()
        if machine.item.state != state {
            machine.item.state.version += 1
        }
        self = machine.item
        return machine.effects
    }
}

struct ItemMachine {
    var item: Item
    let now: Date
    let calendar: WorkCalendar
    var effects: [ItemEffect] = []

    init(item: Item, now: Date, calendar: WorkCalendar) {
        self.item = item
        self.now = now
        self.calendar = calendar
    }

    var state: ItemState {
        get { item.state }
        set { item.state = newValue }
    }

    mutating func handle(_ event: ItemEvent) throws(ItemTransitionError) {
        let status = item.state.status
        if status.isTerminal {
            switch event {
            case .tick, .delivered, .resolved: return
            case .markedEnteredInError(let by, let reason) where status != .enteredInError:
                try close(.enteredInError, by: by, reason: reason, what: "Marking an item entered in error")
                effects.append(.notifyRecipient(reason: "marked entered in error"))
                return
            default: throw .closed(status)
            }
        }
        switch event {
        case .tick:
            return

        case .delivered:
            meet(.delivery)
            if status == .requested {
                state.status = .received
                state.receivedAt = now
            }
            if item.kind == .notice, item.purpose == SystemPurpose.outcomeFeedback {
                try close(.completed, by: .hub, reason: "The outcome was delivered to the referrer.", what: "")
            }

        case .acknowledged(_, let owner):
            guard !owner.name.isBlank else { throw .reasonRequired("Acknowledging an item (an owner's name)") }
            meet(.delivery)
            meet(.acknowledgement)
            if state.receivedAt == nil { state.receivedAt = now }
            if state.acknowledgedAt == nil { state.acknowledgedAt = now }
            state.owner = owner
            if status == .requested || status == .received { state.status = .accepted }
            if item.purpose == SystemPurpose.outcomeFeedback {
                try close(.completed, by: event.actor, reason: "The referrer acknowledged the outcome.", what: "")
            } else if item.purpose == SystemPurpose.informationResponse {
                try close(.completed, by: event.actor, reason: "The agency that asked has read the response.", what: "")
            } else if item.purpose == SystemPurpose.strategyNewInformation {
                try close(.completed, by: event.actor, reason: "The convenor has considered the new information.", what: "")
            }

        case .rejected(let by, let reason):
            guard item.kind == .action else { throw .notAllowed(event: "reject", status: status, hint: "notices cannot be rejected") }
            guard [.requested, .received, .accepted].contains(status), state.decision == nil else {
                let done = state.decision == nil ? "work on it has started" : "a decision has been recorded"
                throw .notAllowed(event: "reject", status: status, hint: "\(done); record an outcome instead")
            }
            try close(.rejected, by: by, reason: reason, what: "Rejecting an item")
            if state.acknowledgedAt == nil { state.acknowledgedAt = now }
            // A declined invitation is an answer, not misrouted work: the discussion shows it.
            if item.purpose != SystemPurpose.strategyInvitation { effects.append(.returnToTriage(reason: reason)) }

        case .progressNoted(_, let note):
            try requireAccepted("record progress")
            guard !note.isBlank else { throw .reasonRequired("A progress update (a note)") }
            if status == .accepted { state.status = .inProgress }

        case .decided(let by, let code, let rationale):
            try requireAccepted("record a decision")
            guard !rationale.isBlank else { throw .reasonRequired("A decision (its rationale)") }
            state.decision = RecordedOutcome(code: code, rationale: rationale, by: by, at: now)
            meet(.decision)
            if status == .accepted { state.status = .inProgress }
            // A strategy discussion's requester hears the decision when it is recorded, not when the
            // last agreed action closes the discussion.
            if item.purpose == SystemPurpose.strategyDiscussion, item.feedbackTo != nil, let decision = state.decision {
                effects.append(.tellReferrer(decision))
            }

        case .putOnHold(_, let awaiting, let reviewAt, let reason):
            try requireAccepted("put the item on hold")
            guard state.proposedOutcome == nil else {
                throw .notAllowed(event: "on hold", status: status, hint: "an outcome is waiting for sign-off")
            }
            guard !awaiting.isBlank else { throw .reasonRequired("Putting an item on hold (what it awaits)") }
            guard reviewAt > now else { throw .reviewDateNotInFuture }
            pause([.decision, .outcome])
            if let index = state.deadlines.firstIndex(where: { $0.kind == .review }) {
                state.deadlines[index].metAt = now
            }
            state.deadlines.append(Deadline(kind: .review, dueAt: reviewAt))
            state.hold = Hold(awaiting: awaiting, reviewAt: reviewAt, since: state.hold?.since ?? now, reason: reason)
            state.status = .onHold

        case .resumed:
            guard status == .onHold else {
                throw .notAllowed(event: "resume", status: status, hint: "only an item on hold can resume")
            }
            resumeFromHold()
            state.status = .inProgress

        case .outcomeRecorded(let by, let code, let rationale, let needsSignOff, let transferTo, let transferPurpose):
            try requireAccepted("record an outcome")
            guard state.proposedOutcome == nil else {
                throw .notAllowed(event: "outcome", status: status, hint: "an outcome is already waiting for sign-off")
            }
            guard !rationale.isBlank else { throw .reasonRequired("An outcome (its rationale)") }
            if status == .onHold { resumeFromHold() }
            let outcome = RecordedOutcome(code: code, rationale: rationale, by: by, at: now, transferTo: transferTo, transferPurpose: transferPurpose)
            if needsSignOff {
                state.proposedOutcome = outcome
                meet(.decision)
                pause([.outcome])
                let rule = item.terms.signOff ?? .workingDays(1)
                state.deadlines.append(Deadline(kind: .signOff, dueAt: calendar.deadline(rule, from: now, schoolAuthority: item.terms.schoolAuthority)))
                state.status = .inProgress
            } else {
                try finish(with: outcome, closedBy: by)
            }

        case .signedOff(let by, let approved, let reason):
            guard let proposed = state.proposedOutcome else {
                throw .signOff("There is no outcome waiting for sign-off on this item.")
            }
            guard !reason.isBlank else { throw .reasonRequired("Signing off an outcome") }
            guard let signer = by.name, !signer.isBlank else {
                throw .signOff("Signing off needs the name of the manager who signs it off.")
            }
            if let author = proposed.by.name, author.lowercased() == signer.lowercased(), by.agency == proposed.by.agency {
                throw .signOff("An outcome must be signed off by someone other than the person who recorded it.")
            }
            meet(.signOff)
            state.proposedOutcome = nil
            if approved {
                var outcome = proposed
                outcome.signedOffBy = by
                try finish(with: outcome, closedBy: by)
            } else {
                resume([.outcome])
            }

        case .cancelled(let by, let reason):
            try close(.cancelled, by: by, reason: reason, what: "Cancelling an item")
            if by.agency != item.recipient { effects.append(.notifyRecipient(reason: "cancelled")) }

        case .markedEnteredInError(let by, let reason):
            try close(.enteredInError, by: by, reason: reason, what: "Marking an item entered in error")
            if by.agency != item.recipient { effects.append(.notifyRecipient(reason: "marked entered in error")) }

        case .resolved(let reason):
            guard item.kind == .notice else {
                throw .notAllowed(event: "resolve", status: status, hint: "only notices are resolved by the hub")
            }
            try close(.completed, by: .hub, reason: reason, what: "Resolving a notice")
        }
    }

    // MARK: - Closing

    mutating func finish(with outcome: RecordedOutcome, closedBy: Actor) throws(ItemTransitionError) {
        state.outcome = outcome
        if state.decision == nil { meet(.decision) }
        try close(.completed, by: closedBy, reason: outcome.rationale, what: "Recording an outcome")
        if item.feedbackTo != nil, item.purpose != SystemPurpose.strategyDiscussion { effects.append(.tellReferrer(outcome)) }
    }

    /// Moves to a terminal status with actor, time and reason; every deadline stops.
    mutating func close(_ status: ItemStatus, by actor: Actor, reason: String, what: String) throws(ItemTransitionError) {
        guard !reason.isBlank else { throw .reasonRequired(what) }
        for index in state.deadlines.indices where state.deadlines[index].metAt == nil {
            state.deadlines[index].metAt = now
            state.deadlines[index].pausedRemaining = nil
        }
        state.status = status
        state.closure = Closure(by: actor, at: now, reason: reason)
        state.hold = nil
        if state.escalation != nil {
            state.escalation = nil
            effects.append(.resolveEscalation(reason: "The item was \(status.rawValue)."))
        }
    }

    mutating func requireAccepted(_ what: String) throws(ItemTransitionError) {
        guard item.kind == .action else {
            throw .notAllowed(event: what, status: item.state.status, hint: "notices only need acknowledging")
        }
        guard [.accepted, .inProgress, .onHold].contains(item.state.status) else {
            throw .notAllowed(event: what, status: item.state.status, hint: "acknowledge (accept) the item and name its owner first")
        }
    }

    // MARK: - Deadlines

    mutating func meet(_ kind: DeadlineKind) {
        for index in state.deadlines.indices where state.deadlines[index].kind == kind && state.deadlines[index].metAt == nil {
            state.deadlines[index].metAt = now
            state.deadlines[index].pausedRemaining = nil
        }
    }

    mutating func pause(_ kinds: Set<DeadlineKind>) {
        for index in state.deadlines.indices where kinds.contains(state.deadlines[index].kind) && state.deadlines[index].isActive {
            state.deadlines[index].pausedRemaining = max(0, state.deadlines[index].dueAt.timeIntervalSince(now))
        }
    }

    mutating func resume(_ kinds: Set<DeadlineKind>) {
        for index in state.deadlines.indices where kinds.contains(state.deadlines[index].kind) {
            guard state.deadlines[index].metAt == nil, let remaining = state.deadlines[index].pausedRemaining else { continue }
            state.deadlines[index].dueAt = now.addingTimeInterval(remaining)
            state.deadlines[index].pausedRemaining = nil
            state.deadlines[index].breachedAt = nil
        }
    }

    mutating func resumeFromHold() {
        meet(.review)
        state.hold = nil
        resume([.decision, .outcome])
    }

    /// Marks newly overdue deadlines, starts, climbs or ends the escalation.
    mutating func checkDeadlines() {
        guard !item.state.status.isTerminal else { return }
        // A notice about an escalation never escalates itself: the item it is about climbs instead.
        guard item.purpose != SystemPurpose.escalationNotice else { return }
        let overdue = item.state.deadlines.filter { $0.isActive && $0.dueAt <= now }
        for index in item.state.deadlines.indices {
            let deadline = item.state.deadlines[index]
            if deadline.isActive, deadline.dueAt <= now, deadline.breachedAt == nil {
                state.deadlines[index].breachedAt = now
            }
        }
        guard let first = overdue.min(by: { ($0.dueAt, $0.kind) < ($1.dueAt, $1.kind) }) else {
            if item.state.escalation != nil {
                state.escalation = nil
                effects.append(.resolveEscalation(reason: "Nothing on the item is overdue any more."))
            }
            return
        }
        let ladder = max(1, item.terms.ladderLength)
        if var escalation = item.state.escalation {
            // The escalation names the step that is overdue now (an earlier one may have been done).
            if escalation.deadline != first.kind || escalation.overdueSince != first.dueAt {
                escalation.deadline = first.kind
                escalation.overdueSince = first.dueAt
                state.escalation = escalation
            }
            guard now >= escalation.nextAt else { return }
            escalation.level = min(escalation.level + 1, ladder)
            escalation.nextAt = nextClimb()
            state.escalation = escalation
            effects.append(.escalate(level: escalation.level, deadline: escalation.deadline, overdueSince: escalation.overdueSince))
            effects.append(.notifyRecipient(reason: "escalated"))
        } else {
            let level = min(item.state.escalations + 1, ladder)
            state.escalations += 1
            state.escalation = Escalation(level: level, deadline: first.kind, overdueSince: first.dueAt, startedAt: now, nextAt: nextClimb())
            effects.append(.escalate(level: level, deadline: first.kind, overdueSince: first.dueAt))
            effects.append(.notifyRecipient(reason: "escalated"))
        }
    }

    func nextClimb() -> Date {
        let next = calendar.deadline(item.terms.escalateEvery, from: now, schoolAuthority: item.terms.schoolAuthority)
        return next > now ? next : now.addingTimeInterval(60)
    }
}

