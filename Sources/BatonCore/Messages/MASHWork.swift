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
        switch about {
        case nil where root["about"] == nil:
            reader.report("/about", "is required: name the information request item answered, as { \"item\": \"<itemId>\" }")
        case .item(let id) where ItemID(rawValue: id) == nil:
            reader.report("/about/item", "must be an item id (a UUID)")
        case .message:
            reader.report("/about", "an information-response answers one item: give { \"item\": \"<itemId>\" }")
        default: break
        }
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
