import Foundation

/// How quickly a partner must answer an information request: the MASH's RAG rating.
public enum RAGRating: String, Sendable, Hashable, Codable, CaseIterable {
    /// Hours: the child may be at risk now.
    case red
    /// Within a working day.
    case amber
    /// Within a few working days.
    case green
}

/// `information-request`: the MASH asks named partners what they know about a child
/// (`"request": { "rag": "amber", "recipients": [...], "reason": "...", "questions": [...] }`).
public struct InformationRequest: Sendable, Equatable {
    public var rag: RAGRating
    /// The agencies asked; each gets its own item.
    public var recipients: [AgencyID]
    /// Why the MASH is asking: shown to every recipient.
    public var reason: String
    /// What the MASH wants to know, if more specific than "anything you know".
    public var questions: [String]

    public init(rag: RAGRating, recipients: [AgencyID], reason: String, questions: [String] = []) {
        self.rag = rag
        self.recipients = recipients
        self.reason = reason
        self.questions = questions
    }
}

/// `information-response`: a partner's answer to an information request item
/// (`"about": { "item": "<request item>" }, "response": { "nothingKnown": false, "summary": "..." }`).
/// What it knows travels in labelled sections, decided by need-to-know like any other content;
/// "nothing known" is an explicit answer, not silence.
public struct InformationResponse: Sendable, Equatable {
    public var nothingKnown: Bool
    public var summary: String?

    public init(nothingKnown: Bool, summary: String? = nil) {
        self.nothingKnown = nothingKnown
        self.summary = summary
    }
}

extension MessageValidator {
    static let requestFields: Set<String> = ["rag", "recipients", "reason", "questions"]
    static let responseFields: Set<String> = ["nothingKnown", "summary"]

    static func readInformationRequest(_ root: JSONObject, sender: AgencyID?, _ reader: inout PayloadReader) -> InformationRequest? {
        guard let object = reader.requiredObject(root, "request", at: .root, allowed: requestFields) else { return nil }
        let pointer = JSONPointer("/request")
        let rag = reader.enumeration(object, "rag", at: pointer, required: true, as: RAGRating.self)
        let reason = reader.string(object, "reason", at: pointer, required: true)
        var recipients: [AgencyID] = []
        if let array = reader.array(object, "recipients", at: pointer, required: true) {
            if array.isEmpty { reader.report(pointer / "recipients", "must name at least one agency to ask") }
            for (index, element) in array.enumerated() {
                guard let text = element.stringValue, let id = AgencyID(rawValue: text) else {
                    reader.report(pointer / "recipients" / index, "must be an agency id")
                    continue
                }
                if recipients.contains(id) {
                    reader.report(pointer / "recipients" / index, "is listed twice")
                } else if id == sender {
                    reader.report(pointer / "recipients" / index, "is the agency asking; name the partners to ask")
                } else {
                    recipients.append(id)
                }
            }
        }
        let questions = reader.strings(object, "questions", at: pointer)
        guard let rag, let reason, !recipients.isEmpty else { return nil }
        return InformationRequest(rag: rag, recipients: recipients, reason: reason, questions: questions)
    }

    static func readInformationResponse(_ root: JSONObject, about: About?, sections: [Section], _ reader: inout PayloadReader) -> InformationResponse? {
        checkAbout(.informationResponse, root, about: about, &reader)
        guard let object = reader.requiredObject(root, "response", at: .root, allowed: responseFields) else { return nil }
        let pointer = JSONPointer("/response")
        guard let value = object["nothingKnown"] else {
            reader.report(pointer / "nothingKnown", "is required: true when your agency knows nothing of the child, false when the sections say what it knows")
            return nil
        }
        guard let nothingKnown = value.boolValue else {
            reader.report(pointer / "nothingKnown", "must be true or false, found \(value.typeName)")
            return nil
        }
        let summary = reader.string(object, "summary", at: pointer)
        if nothingKnown, !sections.isEmpty {
            reader.report("/sections", "must be empty when nothingKnown is true")
        }
        if !nothingKnown, sections.isEmpty, summary == nil, object["summary"] == nil {
            reader.report("/sections", "must say what your agency knows (labelled sections, or at least a summary), or set nothingKnown to true")
        }
        return InformationResponse(nothingKnown: nothingKnown, summary: summary)
    }
}

/// How soon a strategy discussion must be held (policies/strategy-discussions.yaml gives each its
/// deadlines).
public enum DiscussionUrgency: String, Sendable, Hashable, Codable, CaseIterable {
    /// Within hours: a child at immediate risk.
    case immediate
    /// Within a working day.
    case urgent
    /// Within a few working days.
    case standard
}

/// `strategy-discussion-request`: any agency asks for a strategy discussion about children
/// (`"discussion": { "reason": "...", "urgency": "urgent", "proposedParticipants": [...] }`). The
/// child's local authority social care convenes it.
public struct StrategyDiscussionRequest: Sendable, Equatable {
    public var reason: String
    public var urgency: DiscussionUrgency
    /// Agencies the requester thinks should take part, beyond those policy requires.
    public var proposedParticipants: [AgencyID]

    public init(reason: String, urgency: DiscussionUrgency, proposedParticipants: [AgencyID] = []) {
        self.reason = reason
        self.urgency = urgency
        self.proposedParticipants = proposedParticipants
    }
}

/// `strategy-discussion-record`: the convenor's record of a discussion held, about its
/// `strategy-discussion` item.
public struct StrategyDiscussionRecord: Sendable, Equatable {
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        case meeting
        case calls
    }

    public struct Attendee: Sendable, Equatable {
        public var agency: AgencyID
        public var name: String
        public var role: String?
        public init(agency: AgencyID, name: String, role: String? = nil) {
            self.agency = agency
            self.name = name
            self.role = role
        }
    }

    /// An agency that did not take part, and why.
    public struct Absence: Sendable, Equatable {
        public var agency: AgencyID
        public var reason: String
        public init(agency: AgencyID, reason: String) {
            self.agency = agency
            self.reason = reason
        }
    }

    /// An agreed action: an owner agency, a due date, what is to be done.
    public struct Action: Sendable, Equatable {
        public var description: String
        public var owner: AgencyID
        public var dueAt: Date
        public init(description: String, owner: AgencyID, dueAt: Date) {
            self.description = description
            self.owner = owner
            self.dueAt = dueAt
        }
    }

    public var heldAt: Date
    public var format: Format
    public var attendees: [Attendee]
    public var absences: [Absence]
    /// An outcome code (outcomes.yaml): s47-enquiry, s17-assessment, further-information, ...
    public var decision: String
    public var rationale: String
    public var actions: [Action]

    public init(
        heldAt: Date, format: Format, attendees: [Attendee], absences: [Absence] = [], decision: String, rationale: String, actions: [Action] = []
    ) {
        self.heldAt = heldAt
        self.format = format
        self.attendees = attendees
        self.absences = absences
        self.decision = decision
        self.rationale = rationale
        self.actions = actions
    }
}

extension MessageValidator {
    static let discussionFields: Set<String> = ["reason", "urgency", "proposedParticipants"]
    static let recordFields: Set<String> = ["heldAt", "format", "attendees", "absences", "decision", "rationale", "actions"]
    static let attendeeFields: Set<String> = ["agency", "name", "role"]
    static let absenceFields: Set<String> = ["agency", "reason"]
    static let actionFields: Set<String> = ["description", "owner", "dueAt"]

    static func agencyID(_ object: JSONObject, _ name: String, at pointer: JSONPointer, _ reader: inout PayloadReader) -> AgencyID? {
        guard let text = reader.string(object, name, at: pointer, required: true) else { return nil }
        guard let id = AgencyID(rawValue: text) else {
            reader.report(pointer / name, "must be an agency id")
            return nil
        }
        return id
    }

    static func readDiscussionRequest(_ root: JSONObject, _ reader: inout PayloadReader) -> StrategyDiscussionRequest? {
        guard let object = reader.requiredObject(root, "discussion", at: .root, allowed: discussionFields) else { return nil }
        let pointer = JSONPointer("/discussion")
        let reason = reader.string(object, "reason", at: pointer, required: true)
        let urgency = reader.enumeration(object, "urgency", at: pointer, required: true, as: DiscussionUrgency.self)
        var proposed: [AgencyID] = []
        for (index, text) in reader.strings(object, "proposedParticipants", at: pointer).enumerated() {
            guard let id = AgencyID(rawValue: text) else {
                reader.report(pointer / "proposedParticipants" / index, "must be an agency id")
                continue
            }
            if !proposed.contains(id) { proposed.append(id) }
        }
        guard let reason, let urgency else { return nil }
        return StrategyDiscussionRequest(reason: reason, urgency: urgency, proposedParticipants: proposed)
    }

    static func readDiscussionRecord(_ root: JSONObject, sentAt: Date?, _ reader: inout PayloadReader) -> StrategyDiscussionRecord? {
        guard let object = reader.requiredObject(root, "record", at: .root, allowed: recordFields) else { return nil }
        let pointer = JSONPointer("/record")
        let heldAt = reader.dateTime(object, "heldAt", at: pointer, required: true)
        if let heldAt, let sentAt, heldAt > sentAt { reader.report(pointer / "heldAt", "is after the message was sent: record a discussion once it has been held") }
        let format = reader.enumeration(object, "format", at: pointer, required: true, as: StrategyDiscussionRecord.Format.self)
        let decision = reader.string(object, "decision", at: pointer, required: true)
        let rationale = reader.string(object, "rationale", at: pointer, required: true)
        var attendees: [StrategyDiscussionRecord.Attendee] = []
        if let array = reader.array(object, "attendees", at: pointer, required: true) {
            if array.isEmpty { reader.report(pointer / "attendees", "must name who took part") }
            for (index, element) in array.enumerated() {
                let at = pointer / "attendees" / index
                guard let entry = reader.object(element, at: at, allowed: attendeeFields) else { continue }
                let agency = agencyID(entry, "agency", at: at, &reader)
                let name = reader.string(entry, "name", at: at, required: true)
                if let agency, let name { attendees.append(.init(agency: agency, name: name, role: reader.string(entry, "role", at: at))) }
            }
        }
        var absences: [StrategyDiscussionRecord.Absence] = []
        for (index, element) in (reader.array(object, "absences", at: pointer) ?? []).enumerated() {
            let at = pointer / "absences" / index
            guard let entry = reader.object(element, at: at, allowed: absenceFields) else { continue }
            let agency = agencyID(entry, "agency", at: at, &reader)
            let reason = reader.string(entry, "reason", at: at, required: true)
            if let agency, let reason { absences.append(.init(agency: agency, reason: reason)) }
        }
        var actions: [StrategyDiscussionRecord.Action] = []
        for (index, element) in (reader.array(object, "actions", at: pointer) ?? []).enumerated() {
            let at = pointer / "actions" / index
            guard let entry = reader.object(element, at: at, allowed: actionFields) else { continue }
            let description = reader.string(entry, "description", at: at, required: true)
            let owner = agencyID(entry, "owner", at: at, &reader)
            let dueAt = reader.dateTime(entry, "dueAt", at: at, required: true)
            if let dueAt, let sentAt, dueAt <= sentAt { reader.report(at / "dueAt", "must be after the record is sent") }
            if let description, let owner, let dueAt { actions.append(.init(description: description, owner: owner, dueAt: dueAt)) }
        }
        guard let heldAt, let format, let decision, let rationale, !attendees.isEmpty else { return nil }
        return StrategyDiscussionRecord(
            heldAt: heldAt, format: format, attendees: attendees, absences: absences, decision: decision, rationale: rationale, actions: actions)
    }
}
