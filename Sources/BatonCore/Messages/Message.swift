import Foundation

/// A sender's identifier for one of its messages: a UUID, compared in lower case.
public struct MessageID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is a UUID in its 8-4-4-4-12 hexadecimal form (either case).
    public init?(rawValue: String) {
        guard let uuid = UUID(uuidString: rawValue), rawValue.utf8.count == 36 else { return nil }
        self.rawValue = uuid.uuidString.lowercased()
    }

    public init(_ uuid: UUID) { rawValue = uuid.uuidString.lowercased() }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = MessageID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a UUID"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A validated message payload. The signed bytes remain the source of truth; this is what the hub
/// understood them to say.
public struct Message: Sendable, Equatable {
    public var messageId: MessageID
    public var kind: MessageKind
    public var sentAt: Date
    public var from: Sender
    /// The children the message is about.
    public var subjects: [Mention]
    /// Other people: parents, carers, siblings, suspects, the referrer.
    public var persons: [Mention]
    public var relationships: [Relationship]
    public var sections: [Section]
    public var consent: Consent?
    /// Refs of people who must never be told of this message.
    public var doNotInform: [String]
    public var referrerAnonymous: Bool
    public var about: About?
    public var body: Body

    public enum Body: Sendable, Equatable {
        case referral(Concern)
        case notification(NotificationDetails)
        case acknowledgement(Acknowledgement)
        case update(ProgressUpdate)
        case outcome(OutcomeReport)
        case cancellation(Cancellation)
        case escalation(Disagreement)
        case informationRequest(InformationRequest)
        case informationResponse(InformationResponse)
        case strategyDiscussionRequest(StrategyDiscussionRequest)
        case strategyDiscussionRecord(StrategyDiscussionRecord)
    }

    /// Whether the message starts new work about children (a referral, a notification) rather
    /// than answering an item.
    public var isCaseMessage: Bool { kind.isCaseKind }

    public init(
        messageId: MessageID, kind: MessageKind, sentAt: Date, from: Sender, subjects: [Mention],
        persons: [Mention] = [], relationships: [Relationship] = [], sections: [Section] = [],
        consent: Consent? = nil, doNotInform: [String] = [], referrerAnonymous: Bool = false, about: About? = nil,
        body: Body
    ) {
        self.messageId = messageId
        self.kind = kind
        self.sentAt = sentAt
        self.from = from
        self.subjects = subjects
        self.persons = persons
        self.relationships = relationships
        self.sections = sections
        self.consent = consent
        self.doNotInform = doNotInform
        self.referrerAnonymous = referrerAnonymous
        self.about = about
        self.body = body
    }
}

/// Who sent a message: the agency (which must be the signing key's agency) and, optionally, the
/// professional who wrote it.
public struct Sender: Sendable, Equatable {
    public var agency: AgencyID
    public var person: Professional?

    public init(agency: AgencyID, person: Professional? = nil) {
        self.agency = agency
        self.person = person
    }
}

public struct Professional: Sendable, Equatable {
    public var name: String?
    public var role: String?
    public var email: String?
    public var phone: String?

    public init(name: String? = nil, role: String? = nil, email: String? = nil, phone: String? = nil) {
        self.name = name
        self.role = role
        self.email = email
        self.phone = phone
    }
}

/// One person named in one message, with whatever identifying details the sender gave. Identity
/// resolution links each mention to a person in the hub.
public struct Mention: Sendable, Equatable {
    public struct LocalID: Sendable, Hashable {
        public var system: String
        public var value: String
        public init(system: String, value: String) {
            self.system = system
            self.value = value
        }
    }

    /// An e-mail address, phone number or username the person is known by online: an exact-match
    /// identifier once normalised.
    public struct OnlineID: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case email, phone, username
        }
        public var type: Kind
        public var value: String
        public init(type: Kind, value: String) {
            self.type = type
            self.value = value
        }
    }

    public struct Address: Sendable, Equatable {
        public var lines: [String]
        public var postcode: String?
        public init(lines: [String] = [], postcode: String? = nil) {
            self.lines = lines
            self.postcode = postcode
        }
    }

    /// The sender's reference for this person within the message (`c1`, `p2`).
    public var ref: String
    public var nhsNumber: String?
    public var upn: String?
    public var localIds: [LocalID]
    public var onlineIds: [OnlineID]
    public var givenName: String?
    public var familyName: String?
    public var otherNames: [String]
    public var dateOfBirth: CalendarDate?
    public var sex: Sex?
    public var address: Address?
    public var schoolURN: String?
    /// The ODS code of the person's GP practice.
    public var gpODS: String?

    public init(
        ref: String, nhsNumber: String? = nil, upn: String? = nil, localIds: [LocalID] = [], givenName: String? = nil,
        familyName: String? = nil, otherNames: [String] = [], dateOfBirth: CalendarDate? = nil, sex: Sex? = nil,
        address: Address? = nil, schoolURN: String? = nil, gpODS: String? = nil, onlineIds: [OnlineID] = []
    ) {
        self.ref = ref
        self.onlineIds = onlineIds
        self.nhsNumber = nhsNumber
        self.upn = upn
        self.localIds = localIds
        self.givenName = givenName
        self.familyName = familyName
        self.otherNames = otherNames
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.address = address
        self.schoolURN = schoolURN
        self.gpODS = gpODS
    }
}

public struct Relationship: Sendable, Equatable {
    public var from: String
    public var to: String
    public var role: RelationshipRole
    public init(from: String, to: String, role: RelationshipRole) {
        self.from = from
        self.to = to
        self.role = role
    }
}

/// A labelled part of a message; need-to-know is decided per section label.
public struct Section: Sendable, Equatable {
    public var label: String
    public var content: JSONObject
    public init(label: String, content: JSONObject) {
        self.label = label
        self.content = content
    }
}

public struct Consent: Sendable, Equatable {
    public var status: ConsentStatus
    public var basis: LawfulBasis
    public var reasonNotSought: String?
    public var purposes: [String]

    public init(status: ConsentStatus, basis: LawfulBasis, reasonNotSought: String? = nil, purposes: [String] = []) {
        self.status = status
        self.basis = basis
        self.reasonNotSought = reasonNotSought
        self.purposes = purposes
    }
}

/// What a reply is about.
public enum About: Sendable, Equatable {
    case item(String)
    case message(MessageID)
}

/// The concern a referral raises. Risk is required: context lost in the handoff is one of the
/// failures Baton exists to prevent.
public struct Concern: Sendable, Equatable {
    public struct Risk: Sendable, Equatable {
        public var level: RiskLevel
        public var tool: String?
        public var toolVersion: String?
        public var assessedBy: String?
        public init(level: RiskLevel, tool: String? = nil, toolVersion: String? = nil, assessedBy: String? = nil) {
            self.level = level
            self.tool = tool
            self.toolVersion = toolVersion
            self.assessedBy = assessedBy
        }
    }

    public var categories: [ConcernCategory]
    public var summary: String?
    public var childSeen: Bool?
    public var childSeenAlone: Bool?
    public var childsVoice: String?
    public var risk: Risk
    public var incidentAt: Date?

    public init(
        categories: [ConcernCategory], summary: String? = nil, childSeen: Bool? = nil, childSeenAlone: Bool? = nil,
        childsVoice: String? = nil, risk: Risk, incidentAt: Date? = nil
    ) {
        self.categories = categories
        self.summary = summary
        self.childSeen = childSeen
        self.childSeenAlone = childSeenAlone
        self.childsVoice = childsVoice
        self.risk = risk
        self.incidentAt = incidentAt
    }
}

/// What a notification reports.
public struct NotificationDetails: Sendable, Equatable {
    public var type: NotificationType
    public var occurredAt: Date
    /// Whether a child was present (for domestic-abuse incidents: Operation Encompass).
    public var childPresent: Bool?
    public var summary: String?
    /// For `plan-started` and `plan-ended`: which plan.
    public var plan: PlanType?

    public init(type: NotificationType, occurredAt: Date, childPresent: Bool? = nil, summary: String? = nil, plan: PlanType? = nil) {
        self.type = type
        self.occurredAt = occurredAt
        self.childPresent = childPresent
        self.summary = summary
        self.plan = plan
    }
}

/// `acknowledgement`: the recipient accepts an item and names its owner, or rejects it.
public struct Acknowledgement: Sendable, Equatable {
    public enum Decision: String, Sendable, Hashable, CaseIterable {
        case accepted, rejected
    }

    public var decision: Decision
    public var reason: String?
    public var owner: Owner?

    public init(decision: Decision, reason: String? = nil, owner: Owner? = nil) {
        self.decision = decision
        self.reason = reason
        self.owner = owner
    }
}

/// `update`: progress on an item; exactly one of its parts.
public enum ProgressUpdate: Sendable, Equatable {
    /// A progress note.
    case note(String)
    /// The recipient's decision on the response (a code from outcomes.yaml).
    case decision(code: String, rationale: String)
    /// Waiting for another agency or event.
    case onHold(awaiting: String, reviewAt: Date, reason: String?)
    /// Work resumes after a hold.
    case resume(note: String?)
    /// A manager approves or returns an outcome waiting for sign-off.
    case signOff(approved: Bool, reason: String)
}

/// `outcome`: how the recipient closes an item.
public struct OutcomeReport: Sendable, Equatable {
    public var code: String
    public var rationale: String
    /// For a transfer: the agency the work passes to, and for what purpose.
    public var transferTo: AgencyID?
    public var transferPurpose: String?

    public init(code: String, rationale: String, transferTo: AgencyID? = nil, transferPurpose: String? = nil) {
        self.code = code
        self.rationale = rationale
        self.transferTo = transferTo
        self.transferPurpose = transferPurpose
    }
}

/// `cancellation`: the sender withdraws a message (all its open items) or one item.
public struct Cancellation: Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// `escalation`: a professional disagreement with another agency's handling of an item, for that
/// agency's escalation contact to answer.
public struct Disagreement: Sendable, Equatable {
    public enum Concerning: String, Sendable, Hashable, CaseIterable {
        case decision, outcome, rejection, delay, other
    }

    public var concerning: Concerning
    public var reason: String
    public var requestedAction: String?

    public init(concerning: Concerning, reason: String, requestedAction: String? = nil) {
        self.concerning = concerning
        self.reason = reason
        self.requestedAction = requestedAction
    }
}
