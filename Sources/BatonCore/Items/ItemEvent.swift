import Foundation

/// Something that happens to an item. Recipients' replies, the sender's cancellation, the hub's
/// deliveries and the passing of time all arrive as events.
public enum ItemEvent: Sendable, Hashable, Codable {
    /// The recipient has the item: a push was accepted, or its system fetched it.
    case delivered(channel: DeliveryChannel)
    /// The recipient accepted the item and named its owner (again: ownership changes hands).
    case acknowledged(by: Actor, owner: Owner)
    /// The recipient refused the item.
    case rejected(by: Actor, reason: String)
    /// A progress note.
    case progressNoted(by: Actor, note: String)
    /// The recipient's decision on the response (`s47-enquiry`, `early-help`, …).
    case decided(by: Actor, code: String, rationale: String)
    /// Waiting for another agency or event until a review date.
    case putOnHold(by: Actor, awaiting: String, reviewAt: Date, reason: String?)
    /// Work resumes after a hold.
    case resumed(by: Actor, note: String?)
    /// The outcome; when `needsSignOff`, it waits for a manager before the item closes. A transfer
    /// names the agency the work passes to.
    case outcomeRecorded(by: Actor, code: String, rationale: String, needsSignOff: Bool, transferTo: AgencyID? = nil, transferPurpose: String? = nil)
    /// A manager approves the proposed outcome (the item closes) or returns it (work resumes).
    case signedOff(by: Actor, approved: Bool, reason: String)
    /// The sender withdrew what the item is about, or the MASH closed it.
    case cancelled(by: Actor, reason: String)
    /// The item should never have existed.
    case markedEnteredInError(by: Actor, reason: String)
    /// A notice resolved by the hub: the overdue item moved, the feedback was delivered.
    case resolved(reason: String)
    /// Time passes: deadlines are checked.
    case tick

    /// The actor of the event (the hub for deliveries, resolutions and ticks).
    public var actor: Actor {
        switch self {
        case .delivered, .resolved, .tick: .hub
        case .acknowledged(let by, _), .rejected(let by, _), .progressNoted(let by, _), .decided(let by, _, _),
            .putOnHold(let by, _, _, _), .resumed(let by, _), .outcomeRecorded(let by, _, _, _, _, _), .signedOff(let by, _, _),
            .cancelled(let by, _), .markedEnteredInError(let by, _):
            by
        }
    }

    /// A short name for history and logs (`acknowledged`, `on-hold`).
    public var name: String {
        switch self {
        case .delivered: "delivered"
        case .acknowledged: "acknowledged"
        case .rejected: "rejected"
        case .progressNoted: "progress"
        case .decided: "decided"
        case .putOnHold: "on-hold"
        case .resumed: "resumed"
        case .outcomeRecorded(_, _, _, let needsSignOff, _, _): needsSignOff ? "outcome-proposed" : "outcome"
        case .signedOff(_, let approved, _): approved ? "signed-off" : "sign-off-returned"
        case .cancelled: "cancelled"
        case .markedEnteredInError: "entered-in-error"
        case .resolved: "resolved"
        case .tick: "tick"
        }
    }
}

/// How an item reached its recipient.
public enum DeliveryChannel: String, Sendable, Hashable, Codable {
    /// A webhook POST answered 2xx.
    case push
    /// The recipient's system fetched it through the API.
    case pull
    /// A person opened it in the web UI.
    case web
}

/// What the I/O layer must do after an event. The state machine decides; the workflow carries out.
public enum ItemEffect: Sendable, Hashable {
    /// A deadline went overdue, or an escalation climbed: tell `level`'s rung of the recipient's
    /// ladder (an escalation notice item, in their inbox and pushed like any item).
    case escalate(level: Int, deadline: DeadlineKind, overdueSince: Date)
    /// Nothing is overdue any more, or the item closed: close the open escalation notices.
    case resolveEscalation(reason: String)
    /// The recipient refused the item: it goes to the MASH triage inbox to be re-routed or closed.
    case returnToTriage(reason: String)
    /// The item closed with an outcome: tell the referrer what it may know of it.
    case tellReferrer(RecordedOutcome)
    /// Someone other than the recipient changed the item (cancelled, marked in error, escalated):
    /// push the change to the recipient.
    case notifyRecipient(reason: String)
}

/// Why an event cannot be applied. The API turns these into 409 or 422 problems.
public enum ItemTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The item is closed; nothing but a correction changes it.
    case closed(ItemStatus)
    /// The event needs the item to be in another state first.
    case notAllowed(event: String, status: ItemStatus, hint: String)
    /// A terminal transition, rejection or hold needs a reason.
    case reasonRequired(String)
    /// A review date must be in the future.
    case reviewDateNotInFuture
    /// Sign-off needs a proposed outcome, and someone other than its author.
    case signOff(String)

    public var description: String {
        switch self {
        case .closed(let status): "The item is already \(status.rawValue); it cannot change any more (a mistake is corrected with entered-in-error)."
        case .notAllowed(let event, let status, let hint): "'\(event)' is not possible while the item is \(status.rawValue): \(hint)."
        case .reasonRequired(let what): "\(what) needs a reason."
        case .reviewDateNotInFuture: "An item on hold needs a review date in the future."
        case .signOff(let problem): problem
        }
    }
}
