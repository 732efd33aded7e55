import Foundation

/// Who did something to an item: an agency's system (a signed message), a person working in the
/// web UI for an agency, or the hub itself (a deadline passed, a delivery succeeded).
public struct Actor: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An agency's case system, through a signed message.
        case agency
        /// A person signed in to the web UI.
        case person
        /// The hub: timers, deliveries, automatic resolution.
        case hub
    }

    public var kind: Kind
    /// The agency acted for; nil only for the hub.
    public var agency: AgencyID?
    public var name: String?
    public var role: String?
    /// The signed message through which the agency acted, if any.
    public var messageId: MessageID?
    /// The web UI account of a person who acted (kind `person`).
    public var user: String?

    public init(kind: Kind, agency: AgencyID?, name: String? = nil, role: String? = nil, messageId: MessageID? = nil, user: String? = nil) {
        self.user = user
        self.kind = kind
        self.agency = agency
        self.name = name
        self.role = role
        self.messageId = messageId
    }

    public static let hub = Actor(kind: .hub, agency: nil, name: "Baton hub")

    /// A person signed in to the web UI, acting for `agency` in `role`.
    public static func person(_ agency: AgencyID, name: String, role: String, user: String) -> Actor {
        Actor(kind: .person, agency: agency, name: name, role: role, user: user)
    }

    public static func agency(_ agency: AgencyID, name: String? = nil, role: String? = nil, messageId: MessageID? = nil) -> Actor {
        Actor(kind: .agency, agency: agency, name: name, role: role, messageId: messageId)
    }
}

/// A named professional: an item's owner, the person who signed off an outcome.
public struct Owner: Sendable, Hashable, Codable {
    public var name: String
    public var role: String?

    public init(name: String, role: String? = nil) {
        self.name = name
        self.role = role
    }
}

/// What an item asks of its recipient.
public enum ItemKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Work: acknowledge, decide, act, record an outcome.
    case action
    /// Something the recipient must receive: an escalation notice, the outcome fed back to a
    /// referrer. A notice completes when delivered (feedback) or when what it is about moves
    /// (escalation notices).
    case notice
}

/// Purposes the hub itself creates items for; routing policy adds its own.
public enum SystemPurpose {
    /// An unroutable message, or a rejected item, for the MASH to re-route or close.
    public static let triage = "triage"
    /// A deadline was missed: told to a rung of the recipient agency's escalation ladder.
    public static let escalationNotice = "escalation-notice"
    /// The outcome of an item, told to the referrer.
    public static let outcomeFeedback = "outcome-feedback"
    /// A professional disagreement with another agency's decision.
    public static let disagreement = "disagreement"

    /// A counter over a child's chronology passed its threshold (policies/cumulative-harm.yaml):
    /// the MASH looks at the history as a whole.
    public static let cumulativeHarm = "cumulative-harm"
    /// Two people's records were wrongly linked and have been separated: the MASH checks what was
    /// shared because of the link.
    public static let identityCorrection = "identity-correction"
    /// An uncertain identity match waiting in the review queue: a notice to the MASH with
    /// deadlines and escalation, resolved when someone decides the review.
    public static let identityReview = "identity-review"
    /// The MASH asked a partner what it knows about a child (an `information-request`): the
    /// partner answers with an `information-response`, or says it knows nothing, by the RAG deadline.
    public static let informationRequest = "information-request"
    /// A partner's answer, for the MASH that asked to read and acknowledge.
    public static let informationResponse = "information-response"
    /// A strategy discussion, for its convenor (the child's local authority social care) to hold
    /// by its deadline and record; it closes when every agreed action has.
    public static let strategyDiscussion = "strategy-discussion"
    /// An invitation to take part in a strategy discussion: accept with a named attendee, or
    /// decline with a reason.
    public static let strategyInvitation = "strategy-invitation"
    /// An action agreed at a strategy discussion, for its owner agency to complete by its due date.
    public static let strategyAction = "strategy-action"
    /// New information about a child whose strategy discussion is open: its convenor considers
    /// whether to reconvene (a notice, closed by acknowledging it).
    public static let strategyNewInformation = "strategy-new-information"

    public static let all: Set<String> = [
        triage, escalationNotice, outcomeFeedback, disagreement, cumulativeHarm, identityCorrection, identityReview,
        informationRequest, informationResponse, strategyDiscussion, strategyInvitation, strategyAction,
        strategyNewInformation,
    ]
}

/// The rules an item was created under, copied onto it so that later policy changes do not
/// rewrite the terms of work already handed out.
public struct ItemTerms: Sendable, Hashable, Codable {
    /// The SLA class (policies/sla.yaml) its deadlines came from.
    public var deadlineClass: String
    /// How long an escalation waits before climbing to the next rung.
    public var escalateEvery: DeadlineRule
    /// How long a manager has to sign off an outcome that needs it.
    public var signOff: DeadlineRule?
    /// Rungs on the recipient agency's escalation ladder when the item was created.
    public var ladderLength: Int
    /// The local authority whose school term dates apply (school-day rules).
    public var schoolAuthority: String?

    public init(deadlineClass: String, escalateEvery: DeadlineRule, signOff: DeadlineRule? = nil, ladderLength: Int, schoolAuthority: String? = nil) {
        self.deadlineClass = deadlineClass
        self.escalateEvery = escalateEvery
        self.signOff = signOff
        self.ladderLength = ladderLength
        self.schoolAuthority = schoolAuthority
    }
}

/// One piece of work handed to one agency: "the MASH must decide on this referral by Tuesday
/// 09:00". Every item has a recipient, a purpose, a due time for its next step and an escalation
/// ladder; nothing about it is ever deleted, and every change is an event in its history.
public struct Item: Sendable, Hashable, Codable {
    public let id: ItemID
    /// The message the item comes from: its sender and id, and its position in intake order.
    public let messageSequence: Int64
    public let messageSender: AgencyID
    public let messageId: MessageID
    public let recipient: AgencyID
    public let purpose: String
    public let kind: ItemKind
    /// The message's subjects (their refs) this item concerns.
    public let subjects: [String]
    /// The risk the referrer assessed (orders the inbox); nil for notifications.
    public let risk: RiskLevel?
    public let createdAt: Date
    /// Why the item exists: the routing rule, or the hub's reason (`escalation`, `rejected`).
    public let origin: String
    /// The item this one is about: the overdue item for an escalation notice, the closed item for
    /// outcome feedback, the rejected item for triage.
    public let relatedItem: ItemID?
    /// For an escalation notice: the rung of the ladder it is addressed to.
    public let addressee: EscalationStep?
    /// The agency to tell the outcome when the item closes (the referrer); nil for none.
    public let feedbackTo: AgencyID?
    public let terms: ItemTerms
    /// What the hub recorded when creating the item, for those who read it: why a message could not
    /// be routed, what a disagreement is about. Never personal data.
    public let details: [String: String]
    public var state: ItemState

    public init(
        id: ItemID, messageSequence: Int64, messageSender: AgencyID, messageId: MessageID, recipient: AgencyID, purpose: String,
        kind: ItemKind, subjects: [String], risk: RiskLevel?, createdAt: Date, origin: String, relatedItem: ItemID? = nil,
        addressee: EscalationStep? = nil, feedbackTo: AgencyID? = nil, terms: ItemTerms, details: [String: String] = [:],
        deadlines: [Deadline]
    ) {
        self.id = id
        self.messageSequence = messageSequence
        self.messageSender = messageSender
        self.messageId = messageId
        self.recipient = recipient
        self.purpose = purpose
        self.kind = kind
        self.subjects = subjects
        self.risk = risk
        self.createdAt = createdAt
        self.origin = origin
        self.relatedItem = relatedItem
        self.addressee = addressee
        self.feedbackTo = feedbackTo
        self.terms = terms
        self.details = details
        self.state = ItemState(status: .requested, deadlines: deadlines)
    }

    public var isOpen: Bool { !state.status.isTerminal }

    /// When the hub must look at the item again (nil: never, it is closed or moves only with
    /// another item). Escalation notices are resolved by the item they are about, never by time.
    public func nextCheckAt(after now: Date) -> Date? {
        purpose == SystemPurpose.escalationNotice ? nil : state.nextCheckAt(after: now)
    }
}
