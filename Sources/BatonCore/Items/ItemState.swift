import Foundation

/// An item's status, as FHIR Task's (`requested` … `entered-in-error`).
public enum ItemStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Created; not yet delivered to or fetched by the recipient.
    case requested
    /// The recipient has it (a webhook was accepted, or its system fetched it).
    case received
    /// The recipient acknowledged it and named an owner.
    case accepted
    /// The recipient refused it, with a reason. Not a closed loop: the MASH re-routes or closes it.
    case rejected
    /// Work has started: a decision or progress was recorded.
    case inProgress = "in-progress"
    /// Waiting for another agency or event, with a review date.
    case onHold = "on-hold"
    /// Closed with an outcome code and rationale.
    case completed
    /// Withdrawn by the sender, or closed by the hub when what it was about moved on.
    case cancelled
    /// Should never have existed; kept, marked, never deleted.
    case enteredInError = "entered-in-error"

    /// No further work on the item itself. (A rejected item's loop stays open until its triage
    /// item closes.)
    public var isTerminal: Bool {
        switch self {
        case .rejected, .completed, .cancelled, .enteredInError: true
        default: false
        }
    }
}

/// The steps an item's clock can time.
public enum DeadlineKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The recipient has it (push accepted, or fetched).
    case delivery
    /// The recipient acknowledged it (accepted with an owner, or rejected).
    case acknowledgement
    /// The recipient recorded its decision on the response.
    case decision
    /// The recipient recorded the outcome.
    case outcome
    /// An item on hold is reviewed by its review date.
    case review
    /// A manager signed off an outcome that needs sign-off.
    case signOff = "sign-off"

    public static func < (lhs: DeadlineKind, rhs: DeadlineKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One timed step.
public struct Deadline: Sendable, Hashable, Codable {
    public var kind: DeadlineKind
    public var dueAt: Date
    /// When the step was done; a met deadline no longer runs.
    public var metAt: Date?
    /// While the item is on hold or awaiting sign-off: the time that was left (never negative).
    public var pausedRemaining: Double?
    /// When the step first went overdue.
    public var breachedAt: Date?

    public init(kind: DeadlineKind, dueAt: Date) {
        self.kind = kind
        self.dueAt = dueAt
    }

    /// Running: neither met nor paused.
    public var isActive: Bool { metAt == nil && pausedRemaining == nil }
}

/// An item's escalation: a deadline passed and the recipient agency's ladder is being climbed.
public struct Escalation: Sendable, Hashable, Codable {
    /// The rung told most recently (1 is the first).
    public var level: Int
    /// The step that went overdue first.
    public var deadline: DeadlineKind
    /// When that step was due.
    public var overdueSince: Date
    public var startedAt: Date
    /// When the escalation climbs again if nothing moves.
    public var nextAt: Date

    public init(level: Int, deadline: DeadlineKind, overdueSince: Date, startedAt: Date, nextAt: Date) {
        self.level = level
        self.deadline = deadline
        self.overdueSince = overdueSince
        self.startedAt = startedAt
        self.nextAt = nextAt
    }
}

/// A recorded decision or outcome: a code from policy and the reasoning behind it.
public struct RecordedOutcome: Sendable, Hashable, Codable {
    public var code: String
    public var rationale: String
    public var by: Actor
    public var at: Date
    /// For an outcome that needed sign-off: who signed it off.
    public var signedOffBy: Actor?
    /// For a transfer: the agency the work passes to, and for what purpose.
    public var transferTo: AgencyID?
    public var transferPurpose: String?

    public init(
        code: String, rationale: String, by: Actor, at: Date, signedOffBy: Actor? = nil, transferTo: AgencyID? = nil,
        transferPurpose: String? = nil
    ) {
        self.code = code
        self.rationale = rationale
        self.by = by
        self.at = at
        self.signedOffBy = signedOffBy
        self.transferTo = transferTo
        self.transferPurpose = transferPurpose
    }
}

/// An item on hold: what it waits for and when it must be looked at again.
public struct Hold: Sendable, Hashable, Codable {
    /// The agency id or a description of what is awaited ("police investigation").
    public var awaiting: String
    public var reviewAt: Date
    public var since: Date
    public var reason: String?

    public init(awaiting: String, reviewAt: Date, since: Date, reason: String? = nil) {
        self.awaiting = awaiting
        self.reviewAt = reviewAt
        self.since = since
        self.reason = reason
    }
}

/// How an item ended: no terminal state without an actor, a time and a reason.
public struct Closure: Sendable, Hashable, Codable {
    public var by: Actor
    public var at: Date
    public var reason: String

    public init(by: Actor, at: Date, reason: String) {
        self.by = by
        self.at = at
        self.reason = reason
    }
}

/// Everything about an item that changes. The item state machine (``Item/apply(_:at:rules:)``)
/// is the only thing that changes it.
public struct ItemState: Sendable, Hashable, Codable {
    public var status: ItemStatus
    public var deadlines: [Deadline]
    public var owner: Owner?
    public var receivedAt: Date?
    public var acknowledgedAt: Date?
    public var decision: RecordedOutcome?
    /// An outcome waiting for a manager's sign-off.
    public var proposedOutcome: RecordedOutcome?
    public var outcome: RecordedOutcome?
    public var hold: Hold?
    public var escalation: Escalation?
    /// Escalation episodes so far: a new breach starts one rung higher than the last began.
    public var escalations: Int
    public var closure: Closure?
    /// The number of events applied; the store uses it to refuse lost updates.
    public var version: Int

    public init(status: ItemStatus, deadlines: [Deadline]) {
        self.status = status
        self.deadlines = deadlines
        self.escalations = 0
        self.version = 0
    }

    /// The earliest due time of the steps still running (overdue ones included): what the
    /// recipient must do next, and by when. Orders the inbox ("most overdue first").
    public var dueAt: Date? {
        deadlines.filter(\.isActive).map(\.dueAt).min()
    }

    /// The step whose deadline is `dueAt`.
    public var nextStep: DeadlineKind? {
        deadlines.filter(\.isActive).min { ($0.dueAt, $0.kind) < ($1.dueAt, $1.kind) }?.kind
    }

    /// When the hub must look at the item again: the next running deadline not yet passed, or
    /// the next climb of an escalation. Nil for a closed item.
    public func nextCheckAt(after now: Date) -> Date? {
        guard !status.isTerminal else { return nil }
        var candidates = deadlines.filter { $0.isActive && $0.breachedAt == nil }.map(\.dueAt)
        if let escalation { candidates.append(escalation.nextAt) }
        return candidates.min()
    }

    public func deadline(_ kind: DeadlineKind) -> Deadline? { deadlines.first { $0.kind == kind } }
}
