/// The controlled vocabularies of the message protocol. Each is closed: a value outside the list
/// is rejected with the list in the error, because a misspelt category or role silently ignored is
/// a referral that goes to the wrong place.

/// What a message is (PROTOCOL.md §2).
public enum MessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    case referral
    case notification
    case informationRequest = "information-request"
    case informationResponse = "information-response"
    case strategyDiscussionRequest = "strategy-discussion-request"
    case acknowledgement
    case update
    case outcome
    case strategyDiscussionRecord = "strategy-discussion-record"
    case escalation
    case cancellation
    case correction

    /// The kinds this hub accepts today. The others are part of the protocol and are refused with
    /// a `kind-not-supported` problem until the capability that handles them lands.
    public static let accepted: Set<MessageKind> = [
        .referral, .notification, .acknowledgement, .update, .outcome, .cancellation, .escalation, .informationRequest,
        .informationResponse, .strategyDiscussionRequest, .strategyDiscussionRecord,
    ]

    /// Kinds that start new work about children (they carry subjects and consent) rather than
    /// answer an item.
    public var isCaseKind: Bool {
        switch self {
        case .referral, .notification, .informationRequest, .informationResponse, .strategyDiscussionRequest: true
        default: false
        }
    }
}

/// A plan a child can be subject to.
public enum PlanType: String, Sendable, Hashable, Codable, CaseIterable {
    case childProtection = "child-protection"
    case childInNeed = "child-in-need"
    case lookedAfter = "looked-after"
    case earlyHelp = "early-help"
}

/// Categories of concern (DOMAIN.md, "Vocabulary").
public enum ConcernCategory: String, Sendable, Hashable, Codable, CaseIterable {
    case physicalAbuse = "physical-abuse"
    case emotionalAbuse = "emotional-abuse"
    case sexualAbuse = "sexual-abuse"
    case neglect
    case domesticAbuse = "domestic-abuse"
    case childSexualExploitation = "child-sexual-exploitation"
    case childCriminalExploitation = "child-criminal-exploitation"
    case onlineAbuse = "online-abuse"
    case harmfulSexualBehaviour = "harmful-sexual-behaviour"
    case missing
    case femaleGenitalMutilation = "female-genital-mutilation"
    case forcedMarriage = "forced-marriage"
    case honourBasedAbuse = "honour-based-abuse"
    case radicalisation
    case trafficking
    case other
}

/// The referrer's assessment of risk.
public enum RiskLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case low, medium, high, immediate

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a `notification` tells the hub about.
public enum NotificationType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A domestic-abuse incident the police attended (Operation Encompass when a child is involved).
    case domesticAbuse = "domestic-abuse"
    case missingEpisode = "missing-episode"
    case foundAfterMissing = "found-after-missing"
    /// An attendance at A&E, an urgent treatment centre or similar.
    case healthAttendance = "health-attendance"
    case arrest
    case policeAttendance = "police-attendance"
    case schoolExclusion = "school-exclusion"
    case schoolAbsence = "school-absence"
    /// Social care: the child became subject to a plan (`plan` says which).
    case planStarted = "plan-started"
    /// Social care: the child's plan ended.
    case planEnded = "plan-ended"
    case other
}

/// Administrative sex, as FHIR `AdministrativeGender`.
public enum Sex: String, Sendable, Hashable, Codable, CaseIterable {
    case female, male, other, unknown
}

/// How a person in a message relates to another: `{ "from": "p1", "to": "c1", "role": "mother" }`
/// reads "p1 is the mother of c1".
public enum RelationshipRole: String, Sendable, Hashable, Codable, CaseIterable {
    case mother, father, parent
    case stepParent = "step-parent"
    case carer
    case fosterCarer = "foster-carer"
    case guardian, grandparent, sibling
    case halfSibling = "half-sibling"
    case stepSibling = "step-sibling"
    case otherRelative = "other-relative"
    case partnerOfParent = "partner-of-parent"
    case householdMember = "household-member"
    case friend
    case allegedPerpetrator = "alleged-perpetrator"
    case suspect, victim, witness, referrer, professional, other
}

public enum ConsentStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case given, refused
    case notSought = "not-sought"
}

/// The lawful basis on which information in a message is shared.
public enum LawfulBasis: String, Sendable, Hashable, Codable, CaseIterable {
    case consent
    /// DPA 2018 Sch. 8 para 4 / Sch. 1 para 18: safeguarding of children and individuals at risk.
    case safeguarding
    case legalDuty = "legal-duty"
}
