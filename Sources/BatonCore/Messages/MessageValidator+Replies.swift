import Foundation

/// Replies: messages that act on an item (PROTOCOL.md §5). Each carries `about` and one object
/// named after its kind:
///
/// ```json
/// { "kind": "acknowledgement", "about": { "item": "…" },
///   "acknowledgement": { "decision": "accepted", "owner": { "name": "J. Rowntree", "role": "MASH social worker" } } }
/// { "kind": "update", "about": { "item": "…" },
///   "update": { "onHold": { "awaiting": "police-northmoor", "reviewAt": "2026-12-01T09:00:00Z", "reason": "…" } } }
/// { "kind": "outcome", "about": { "item": "…" }, "outcome": { "code": "s47-enquiry", "rationale": "…" } }
/// { "kind": "cancellation", "about": { "message": "…" }, "cancellation": { "reason": "…" } }
/// { "kind": "escalation", "about": { "item": "…" }, "escalation": { "concerning": "decision", "reason": "…" } }
/// ```
extension MessageValidator {
    static let acknowledgementFields: Set<String> = ["decision", "reason", "owner"]
    static let ownerFields: Set<String> = ["name", "role"]
    static let updateFields: Set<String> = ["note", "decision", "onHold", "resume", "signOff"]
    static let decisionFields: Set<String> = ["code", "rationale"]
    static let onHoldFields: Set<String> = ["awaiting", "reviewAt", "reason"]
    static let resumeFields: Set<String> = ["note"]
    static let signOffFields: Set<String> = ["decision", "reason"]
    static let outcomeFields: Set<String> = ["code", "rationale", "transferTo", "transferPurpose"]
    static let cancellationFields: Set<String> = ["reason"]
    static let escalationFields: Set<String> = ["concerning", "reason", "requestedAction"]

    /// `about` names one item (a cancellation may instead name a whole message).
    static func checkAbout(_ kind: MessageKind, _ root: JSONObject, about: About?, _ reader: inout PayloadReader) {
        switch about {
        case nil:
            if root["about"] == nil {
                reader.report("/about", "is required: name the item this \(kind.rawValue) is about, as { \"item\": \"<itemId>\" }")
            }
        case .item(let id):
            if ItemID(rawValue: id) == nil { reader.report("/about/item", "must be an item id (a UUID)") }
        case .message:
            if kind != .cancellation {
                reader.report("/about", "a \(kind.rawValue) is about one item: give { \"item\": \"<itemId>\" }")
            }
        }
    }

    static func readReply(_ kind: MessageKind, _ root: JSONObject, about: About?, sentAt: Date?, _ reader: inout PayloadReader) -> Message.Body? {
        checkAbout(kind, root, about: about, &reader)
        let pointer = JSONPointer.root / kind.rawValue
        switch kind {
        case .acknowledgement:
            guard let object = reader.requiredObject(root, kind.rawValue, at: .root, allowed: acknowledgementFields) else { return nil }
            let decision = reader.enumeration(object, "decision", at: pointer, required: true, as: Acknowledgement.Decision.self)
            let reason = reader.string(object, "reason", at: pointer)
            var owner: Owner?
            if let ownerObject = reader.object(object["owner"], at: pointer / "owner", allowed: ownerFields),
                let name = reader.string(ownerObject, "name", at: pointer / "owner", required: true)
            {
                owner = Owner(name: name, role: reader.string(ownerObject, "role", at: pointer / "owner"))
            }
            switch decision {
            case .accepted where owner == nil && object["owner"] == nil:
                reader.report(pointer / "owner", "is required when accepting: name the person who owns the work")
            case .rejected where reason == nil && object["reason"] == nil:
                reader.report(pointer / "reason", "is required when rejecting: say why, so the MASH can route it elsewhere")
            default: break
            }
            guard let decision else { return nil }
            return .acknowledgement(Acknowledgement(decision: decision, reason: reason, owner: owner))

        case .update:
            guard let object = reader.requiredObject(root, kind.rawValue, at: .root, allowed: updateFields) else { return nil }
            let parts = updateFields.filter { object[$0] != nil }
            guard parts.count == 1, let part = parts.first else {
                reader.report(pointer, "must carry exactly one of: \(updateFields.sorted().joined(separator: ", "))")
                return nil
            }
            switch part {
            case "note":
                return reader.string(object, "note", at: pointer, required: true).map { .update(.note($0)) }
            case "decision":
                guard let decision = reader.object(object["decision"], at: pointer / "decision", allowed: decisionFields) else { return nil }
                let code = readCode(decision, at: pointer / "decision", &reader)
                let rationale = reader.string(decision, "rationale", at: pointer / "decision", required: true)
                guard let code, let rationale else { return nil }
                return .update(.decision(code: code, rationale: rationale))
            case "onHold":
                guard let hold = reader.object(object["onHold"], at: pointer / "onHold", allowed: onHoldFields) else { return nil }
                let awaiting = reader.string(hold, "awaiting", at: pointer / "onHold", required: true)
                let reviewAt = reader.dateTime(hold, "reviewAt", at: pointer / "onHold", required: true)
                let reason = reader.string(hold, "reason", at: pointer / "onHold")
                if let reviewAt, let sentAt, reviewAt <= sentAt {
                    reader.report(pointer / "onHold" / "reviewAt", "must be after the message was sent")
                }
                guard let awaiting, let reviewAt else { return nil }
                return .update(.onHold(awaiting: awaiting, reviewAt: reviewAt, reason: reason))
            case "resume":
                if object["resume"]?.boolValue == true { return .update(.resume(note: nil)) }
                guard let resume = reader.object(object["resume"], at: pointer / "resume", allowed: resumeFields) else { return nil }
                return .update(.resume(note: reader.string(resume, "note", at: pointer / "resume")))
            default:
                guard let signOff = reader.object(object["signOff"], at: pointer / "signOff", allowed: signOffFields) else { return nil }
                let decision = reader.string(signOff, "decision", at: pointer / "signOff", required: true)
                let reason = reader.string(signOff, "reason", at: pointer / "signOff", required: true)
                if let decision, decision != "approved", decision != "returned" {
                    reader.report(pointer / "signOff" / "decision", "must be one of: approved, returned")
                }
                guard let decision, let reason else { return nil }
                return .update(.signOff(approved: decision == "approved", reason: reason))
            }

        case .outcome:
            guard let object = reader.requiredObject(root, kind.rawValue, at: .root, allowed: outcomeFields) else { return nil }
            let code = readCode(object, at: pointer, &reader)
            let rationale = reader.string(object, "rationale", at: pointer, required: true)
            var transferTo: AgencyID?
            if let text = reader.string(object, "transferTo", at: pointer) {
                transferTo = AgencyID(rawValue: text)
                if transferTo == nil { reader.report(pointer / "transferTo", "must be an agency id") }
            }
            let transferPurpose = reader.string(object, "transferPurpose", at: pointer)
            guard let code, let rationale else { return nil }
            return .outcome(OutcomeReport(code: code, rationale: rationale, transferTo: transferTo, transferPurpose: transferPurpose))

        case .cancellation:
            guard let object = reader.requiredObject(root, kind.rawValue, at: .root, allowed: cancellationFields) else { return nil }
            return reader.string(object, "reason", at: pointer, required: true).map { .cancellation(Cancellation(reason: $0)) }

        case .escalation:
            guard let object = reader.requiredObject(root, kind.rawValue, at: .root, allowed: escalationFields) else { return nil }
            let concerning = reader.enumeration(object, "concerning", at: pointer, required: true, as: Disagreement.Concerning.self)
            let reason = reader.string(object, "reason", at: pointer, required: true)
            let requested = reader.string(object, "requestedAction", at: pointer)
            guard let concerning, let reason else { return nil }
            return .escalation(Disagreement(concerning: concerning, reason: reason, requestedAction: requested))

        case .strategyDiscussionRecord:
            return readDiscussionRecord(root, sentAt: sentAt, &reader).map(Message.Body.strategyDiscussionRecord)

        default:
            reader.report("/kind", "'\(kind.rawValue)' is not a reply")
            return nil
        }
    }

    /// An outcome or decision code: lower-case words joined by hyphens (the policy says which exist).
    static func readCode(_ object: JSONObject, at pointer: JSONPointer, _ reader: inout PayloadReader) -> String? {
        guard let code = reader.string(object, "code", at: pointer, required: true) else { return nil }
        guard AgencyID.isValid(code) else {
            reader.report(pointer / "code", "must be an outcome code such as no-further-action or s47-enquiry")
            return nil
        }
        return code
    }
}
