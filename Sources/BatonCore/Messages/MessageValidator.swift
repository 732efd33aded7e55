import Foundation

/// Turns a parsed payload into a ``Message`` or a ``MessageRejection`` listing every problem with
/// its JSON Pointer (PROTOCOL.md §2 and §6).
///
/// Unknown fields are rejected at every level the protocol defines (section `content` is free-form):
/// a misspelt `doNotInform` that was silently ignored would tell the person who must not be told.
///
/// ```swift
/// switch MessageValidator.validate(try StrictJSON.parse(bytes)) {
/// case .success(let message): ...
/// case .failure(let rejection): rejection.problems // [/subjects/0/dateOfBirth: must be a date ...]
/// }
/// ```
public enum MessageValidator {
    static let commonFields: Set<String> = [
        "messageId", "sentAt", "kind", "from", "subjects", "persons", "relationships", "sections", "consent",
        "doNotInform", "referrerAnonymous", "about",
    ]
    static let kindFields: [MessageKind: Set<String>] = [
        .referral: ["concern"], .notification: ["notification"], .acknowledgement: ["acknowledgement"], .update: ["update"],
        .outcome: ["outcome"], .cancellation: ["cancellation"], .escalation: ["escalation"],
        .informationRequest: ["request"], .informationResponse: ["response"], .strategyDiscussionRequest: ["discussion"],
        .strategyDiscussionRecord: ["record"],
    ]
    /// Fields every reply (a message about an item or message) may carry.
    static let replyFields: Set<String> = ["messageId", "sentAt", "kind", "from", "about"]
    static let senderFields: Set<String> = ["agency", "person"]
    static let professionalFields: Set<String> = ["name", "role", "email", "phone"]
    static let localIdFields: Set<String> = ["system", "value"]
    static let onlineIdFields: Set<String> = ["type", "value"]
    static let addressFields: Set<String> = ["lines", "postcode"]
    static let schoolFields: Set<String> = ["urn"]
    static let gpFields: Set<String> = ["ods"]
    static let relationshipFields: Set<String> = ["from", "to", "role"]
    static let sectionFields: Set<String> = ["label", "content"]
    static let consentFields: Set<String> = ["status", "basis", "reasonNotSought", "purposes"]
    static let aboutFields: Set<String> = ["item", "message"]
    static let concernFields: Set<String> = ["categories", "summary", "childSeen", "childSeenAlone", "childsVoice", "risk", "incidentAt"]
    static let riskFields: Set<String> = ["level", "tool", "toolVersion", "assessedBy"]
    static let notificationFields: Set<String> = ["type", "occurredAt", "childPresent", "summary", "plan"]
    /// Every top-level field each accepted kind may carry.
    static let topLevelFields: [MessageKind: Set<String>] = Dictionary(uniqueKeysWithValues: MessageKind.allCases.map {
        ($0, ($0.isCaseKind ? commonFields : replyFields).union(kindFields[$0] ?? []))
    })
    static let mentionFields: Set<String> = [
        "ref", "nhsNumber", "upn", "localIds", "onlineIds", "givenName", "familyName", "otherNames", "dateOfBirth", "sex",
        "address", "school", "gp",
    ]
    /// The earliest date of birth accepted; anything before is a typing error.
    static let earliestDateOfBirth = CalendarDate(year: 1900, month: 1, day: 1)!

    public static func validate(_ payload: JSONValue) -> Result<Message, MessageRejection> {
        var reader = PayloadReader()
        guard let root = payload.objectValue else {
            reader.report(.root, "the payload must be a JSON object, found \(payload.typeName)")
            return .failure(MessageRejection(reason: .invalid, problems: reader.problems))
        }

        // The kind decides which other fields are allowed, so read it first.
        guard let kindText = reader.string(root, "kind", at: .root, required: true),
            let kind = reader.enumeration(kindText, at: "/kind", as: MessageKind.self)
        else { return .failure(MessageRejection(reason: .invalid, problems: reader.problems)) }
        guard MessageKind.accepted.contains(kind) else {
            reader.report("/kind", "this hub does not accept '\(kind.rawValue)' messages yet; it accepts: "
                + MessageKind.accepted.map(\.rawValue).sorted().joined(separator: ", "))
            return .failure(MessageRejection(reason: .kindNotSupported(kind), problems: reader.problems))
        }
        _ = reader.object(payload, at: .root, allowed: topLevelFields[kind]!)

        let messageIdText = reader.string(root, "messageId", at: .root, required: true)
        let messageId = messageIdText.flatMap { MessageID(rawValue: $0) }
        if messageIdText != nil, messageId == nil {
            reader.report("/messageId", "must be a UUID such as 9b2f7c1e-3d4a-4f6b-8c2d-1e5f6a7b8c9d")
        }
        let sentAt = reader.dateTime(root, "sentAt", at: .root, required: true)
        let from = readSender(root, &reader)
        let about = readAbout(root, &reader)

        guard kind.isCaseKind else {
            let body = readReply(kind, root, about: about, sentAt: sentAt, &reader)
            guard reader.problems.isEmpty, let messageId, let sentAt, let from, let body else {
                return .failure(MessageRejection(reason: .invalid, problems: reader.problems))
            }
            return .success(Message(messageId: messageId, kind: kind, sentAt: sentAt, from: from, subjects: [], about: about, body: body))
        }

        let subjects = readMentions(root, "subjects", required: true, &reader)
        if let subjectsValue = root["subjects"]?.arrayValue, subjectsValue.isEmpty {
            reader.report("/subjects", "must name at least one child")
        }
        let persons = readMentions(root, "persons", required: false, &reader)
        let allRefs = checkRefsUnique(subjects, persons, &reader)
        let relationships = readRelationships(root, refs: allRefs, &reader)
        let sections = readSections(root, &reader)
        let consent = readConsent(root, required: true, &reader)
        let doNotInform = readDoNotInform(root, refs: allRefs, &reader)
        let referrerAnonymous = reader.bool(root, "referrerAnonymous", at: .root) ?? false

        let body: Message.Body?
        switch kind {
        case .referral:
            body = readConcern(root, sections: sections, sentAt: sentAt, &reader).map(Message.Body.referral)
        case .notification:
            body = readNotification(root, sentAt: sentAt, &reader).map(Message.Body.notification)
        case .informationRequest:
            body = readInformationRequest(root, sender: from?.agency, &reader).map(Message.Body.informationRequest)
        case .informationResponse:
            body = readInformationResponse(root, about: about, sections: sections, &reader).map(Message.Body.informationResponse)
        case .strategyDiscussionRequest:
            body = readDiscussionRequest(root, &reader).map(Message.Body.strategyDiscussionRequest)
        default:
            body = nil
        }

        if let sentAt {
            let sentDate = RFC3339.utcDate(of: sentAt)
            for (list, mentions) in [("subjects", subjects), ("persons", persons)] {
                for (index, mention) in mentions.enumerated() {
                    guard let dob = mention.dateOfBirth else { continue }
                    if dob > sentDate {
                        reader.report(JSONPointer.root / list / index / "dateOfBirth", "is after the message was sent")
                    } else if dob < earliestDateOfBirth {
                        reader.report(JSONPointer.root / list / index / "dateOfBirth", "is before 1900-01-01")
                    }
                }
            }
        }

        guard reader.problems.isEmpty, let messageId, let sentAt, let from, let body else {
            return .failure(MessageRejection(reason: .invalid, problems: reader.problems))
        }
        return .success(
            Message(
                messageId: messageId, kind: kind, sentAt: sentAt, from: from, subjects: subjects, persons: persons,
                relationships: relationships, sections: sections, consent: consent, doNotInform: doNotInform,
                referrerAnonymous: referrerAnonymous, about: about, body: body))
    }

    static func readSender(_ root: JSONObject, _ reader: inout PayloadReader) -> Sender? {
        guard let from = reader.requiredObject(root, "from", at: .root, allowed: senderFields) else {
            return nil
        }
        var sender: Sender?
        if let agencyText = reader.string(from, "agency", at: "/from", required: true) {
            if let agency = AgencyID(rawValue: agencyText) {
                sender = Sender(agency: agency)
            } else {
                reader.report("/from/agency", "must be an agency id: lower-case letters, digits and hyphens")
            }
        }
        if let person = reader.object(from["person"], at: "/from/person", allowed: professionalFields) {
            sender?.person = Professional(
                name: reader.string(person, "name", at: "/from/person"),
                role: reader.string(person, "role", at: "/from/person"),
                email: reader.string(person, "email", at: "/from/person"),
                phone: reader.string(person, "phone", at: "/from/person"))
        }
        return sender
    }

    static func readMentions(_ root: JSONObject, _ name: String, required: Bool, _ reader: inout PayloadReader)
        -> [Mention]
    {
        guard let elements = reader.array(root, name, at: .root, required: required) else { return [] }
        var mentions: [Mention] = []
        for (index, element) in elements.enumerated() {
            let pointer = JSONPointer.root / name / index
            guard let object = reader.object(element, at: pointer, allowed: mentionFields) else { continue }
            guard let mention = readMention(object, at: pointer, isSubject: name == "subjects", &reader) else {
                continue
            }
            mentions.append(mention)
        }
        return mentions
    }

    static func readMention(_ object: JSONObject, at pointer: JSONPointer, isSubject: Bool, _ reader: inout PayloadReader)
        -> Mention?
    {
        let ref = reader.string(object, "ref", at: pointer, required: true)
        if let ref, !isValidRef(ref) {
            reader.report(pointer / "ref", "must be 1–32 letters, digits, '-' or '_'")
        }
        let nhsNumber = reader.string(object, "nhsNumber", at: pointer)
        if let nhsNumber, NHSNumber.digits(nhsNumber) == nil {
            reader.report(pointer / "nhsNumber", "must be ten digits (spaces allowed)")
        }
        let upn = reader.string(object, "upn", at: pointer)
        var localIds: [Mention.LocalID] = []
        if let array = reader.array(object, "localIds", at: pointer) {
            for (index, element) in array.enumerated() {
                let elementPointer = pointer / "localIds" / index
                guard let idObject = reader.object(element, at: elementPointer, allowed: localIdFields) else {
                    continue
                }
                if let system = reader.string(idObject, "system", at: elementPointer, required: true),
                    let value = reader.string(idObject, "value", at: elementPointer, required: true)
                {
                    localIds.append(Mention.LocalID(system: system, value: value))
                }
            }
        }
        var onlineIds: [Mention.OnlineID] = []
        if let array = reader.array(object, "onlineIds", at: pointer) {
            for (index, element) in array.enumerated() {
                let elementPointer = pointer / "onlineIds" / index
                guard let idObject = reader.object(element, at: elementPointer, allowed: onlineIdFields) else { continue }
                let type = reader.enumeration(idObject, "type", at: elementPointer, required: true, as: Mention.OnlineID.Kind.self)
                if let type, let value = reader.string(idObject, "value", at: elementPointer, required: true) {
                    onlineIds.append(Mention.OnlineID(type: type, value: value))
                }
            }
        }
        let givenName = reader.string(object, "givenName", at: pointer)
        let familyName = reader.string(object, "familyName", at: pointer)
        let otherNames = reader.strings(object, "otherNames", at: pointer)
        let dateOfBirth = reader.calendarDate(object, "dateOfBirth", at: pointer)
        let sex = reader.enumeration(object, "sex", at: pointer, as: Sex.self)
        var address: Mention.Address?
        if let addressObject = reader.object(object["address"], at: pointer / "address", allowed: addressFields) {
            let lines = reader.strings(addressObject, "lines", at: pointer / "address")
            var postcode = reader.string(addressObject, "postcode", at: pointer / "address")
            if let raw = postcode {
                postcode = UKPostcode.normalised(raw)
                if postcode == nil {
                    reader.report(pointer / "address" / "postcode",
                        "is not a UK postcode (for an address outside the UK, put it in address.lines and leave postcode out)")
                }
            }
            address = Mention.Address(lines: lines, postcode: postcode)
        }
        var schoolURN: String?
        if let school = reader.object(object["school"], at: pointer / "school", allowed: schoolFields) {
            schoolURN = reader.string(school, "urn", at: pointer / "school", required: true)
            if let urn = schoolURN, !(6...7).contains(urn.count) || !urn.allSatisfy(\.isASCIIDigit) {
                reader.report(pointer / "school" / "urn", "must be a school's unique reference number: 6 or 7 digits")
            }
        }
        var gpODS: String?
        if let gp = reader.object(object["gp"], at: pointer / "gp", allowed: gpFields) {
            gpODS = reader.string(gp, "ods", at: pointer / "gp", required: true)
            if let ods = gpODS, !(3...6).contains(ods.count) || !ods.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
                reader.report(pointer / "gp" / "ods", "must be the practice's ODS code: 3 to 6 upper-case letters and digits")
            }
        }
        if isSubject, givenName == nil, familyName == nil, nhsNumber == nil, upn == nil, localIds.isEmpty,
            dateOfBirth == nil
        {
            reader.report(pointer, "a child needs at least a name, a date of birth or an identifier")
        }
        guard let ref else { return nil }
        return Mention(
            ref: ref, nhsNumber: nhsNumber, upn: upn, localIds: localIds, givenName: givenName, familyName: familyName,
            otherNames: otherNames, dateOfBirth: dateOfBirth, sex: sex, address: address, schoolURN: schoolURN, gpODS: gpODS,
            onlineIds: onlineIds)
    }

    static func isValidRef(_ ref: String) -> Bool {
        (1...32).contains(ref.utf8.count)
            && ref.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// Every ref must be unique across subjects and persons; returns the set of refs.
    static func checkRefsUnique(_ subjects: [Mention], _ persons: [Mention], _ reader: inout PayloadReader) -> Set<String> {
        var seen: Set<String> = []
        for (list, mentions) in [("subjects", subjects), ("persons", persons)] {
            for (index, mention) in mentions.enumerated() where !seen.insert(mention.ref).inserted {
                reader.report(JSONPointer.root / list / index / "ref", "is used by another person in this message")
            }
        }
        return seen
    }

    static func readRelationships(_ root: JSONObject, refs: Set<String>, _ reader: inout PayloadReader) -> [Relationship] {
        guard let elements = reader.array(root, "relationships", at: .root) else { return [] }
        var relationships: [Relationship] = []
        for (index, element) in elements.enumerated() {
            let pointer = JSONPointer.root / "relationships" / index
            guard let object = reader.object(element, at: pointer, allowed: relationshipFields) else { continue }
            let from = reader.string(object, "from", at: pointer, required: true)
            let to = reader.string(object, "to", at: pointer, required: true)
            let role = reader.enumeration(object, "role", at: pointer, required: true, as: RelationshipRole.self)
            for (name, ref) in [("from", from), ("to", to)] {
                if let ref, !refs.contains(ref) {
                    reader.report(pointer / name, "does not match the ref of any subject or person in this message")
                }
            }
            if let from, from == to { reader.report(pointer / "to", "a person cannot be related to themselves") }
            if let from, let to, let role { relationships.append(Relationship(from: from, to: to, role: role)) }
        }
        return relationships
    }

    /// Section labels: dot-separated lower-case words (`health.mental`, `police.intelligence`).
    public static func isValidSectionLabel(_ label: String) -> Bool {
        guard (1...100).contains(label.utf8.count) else { return false }
        return label.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
            return part.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
        }
    }

    static func readSections(_ root: JSONObject, _ reader: inout PayloadReader) -> [Section] {
        guard let elements = reader.array(root, "sections", at: .root) else { return [] }
        var sections: [Section] = []
        var labels: Set<String> = []
        for (index, element) in elements.enumerated() {
            let pointer = JSONPointer.root / "sections" / index
            guard let object = reader.object(element, at: pointer, allowed: sectionFields) else { continue }
            let label = reader.string(object, "label", at: pointer, required: true)
            if let label {
                if !isValidSectionLabel(label) {
                    reader.report(pointer / "label", "must be dot-separated lower-case words, such as health.mental")
                } else if !labels.insert(label).inserted {
                    reader.report(pointer / "label", "another section has the same label; put their content in one section")
                }
            }
            guard let contentValue = object["content"] else {
                reader.report(pointer / "content", "is required")
                continue
            }
            guard let content = contentValue.objectValue else {
                reader.report(pointer / "content", "must be an object, found \(contentValue.typeName)")
                continue
            }
            if let label { sections.append(Section(label: label, content: content)) }
        }
        return sections
    }

    static func readConsent(_ root: JSONObject, required: Bool, _ reader: inout PayloadReader) -> Consent? {
        guard root["consent"] != nil else {
            if required {
                reader.report("/consent", "is required: say whether consent was given, refused or not sought, and the lawful basis for sharing")
            }
            return nil
        }
        guard let object = reader.object(root["consent"], at: "/consent", allowed: consentFields) else { return nil }
        let status = reader.enumeration(object, "status", at: "/consent", required: true, as: ConsentStatus.self)
        let basis = reader.enumeration(object, "basis", at: "/consent", required: true, as: LawfulBasis.self)
        let reason = reader.string(object, "reasonNotSought", at: "/consent")
        let purposes = reader.strings(object, "purposes", at: "/consent")
        if basis == .consent, let status, status != .given {
            reader.report("/consent/basis", "cannot be 'consent' when consent was not given")
        }
        let recorded = reason.map { !$0.isBlank } ?? false
        if status == .notSought, basis == .safeguarding, !recorded {
            reader.report("/consent/reasonNotSought",
                "is required when consent was not sought and the basis is safeguarding: record why seeking it would place the child at risk or could not reasonably be done")
        }
        if status == .refused, basis == .safeguarding, !recorded {
            reader.report("/consent/reasonNotSought",
                "is required when consent was refused and the basis is safeguarding: record why sharing without consent is needed to protect the child")
        }
        guard let status, let basis else { return nil }
        return Consent(status: status, basis: basis, reasonNotSought: reason, purposes: purposes)
    }

    static func readDoNotInform(_ root: JSONObject, refs: Set<String>, _ reader: inout PayloadReader) -> [String] {
        let list = reader.strings(root, "doNotInform", at: .root)
        for (index, ref) in list.enumerated() where !refs.contains(ref) {
            reader.report(JSONPointer.root / "doNotInform" / index, "does not match the ref of any subject or person in this message")
        }
        return list
    }

    static func readAbout(_ root: JSONObject, _ reader: inout PayloadReader) -> About? {
        guard let object = reader.object(root["about"], at: "/about", allowed: aboutFields) else { return nil }
        let item = reader.string(object, "item", at: "/about")
        let message = reader.string(object, "message", at: "/about")
        switch (item, message) {
        case (let item?, nil): return .item(item)
        case (nil, let message?):
            guard let id = MessageID(rawValue: message) else {
                reader.report("/about/message", "must be a UUID")
                return nil
            }
            return .message(id)
        default:
            reader.report("/about", "must name exactly one of 'item' or 'message'")
            return nil
        }
    }

    static func readConcern(_ root: JSONObject, sections: [Section], sentAt: Date?, _ reader: inout PayloadReader) -> Concern? {
        guard let object = reader.requiredObject(root, "concern", at: .root, allowed: concernFields) else { return nil }
        var categories: [ConcernCategory] = []
        if let array = reader.array(object, "categories", at: "/concern", required: true) {
            if array.isEmpty { reader.report("/concern/categories", "must name at least one category of concern") }
            for (index, element) in array.enumerated() {
                let pointer = JSONPointer("/concern/categories") / index
                guard let text = element.stringValue else {
                    reader.report(pointer, "must be a string, found \(element.typeName)")
                    continue
                }
                guard let category = reader.enumeration(text, at: pointer, as: ConcernCategory.self) else { continue }
                if categories.contains(category) {
                    reader.report(pointer, "is listed twice")
                } else {
                    categories.append(category)
                }
            }
        }
        let summary = reader.string(object, "summary", at: "/concern")
        if summary == nil, object["summary"] == nil, !sections.contains(where: { $0.label == "concern.summary" }) {
            reader.report("/concern/summary", "is required, unless a section labelled concern.summary carries it")
        }
        let childSeen = reader.bool(object, "childSeen", at: "/concern")
        let childSeenAlone = reader.bool(object, "childSeenAlone", at: "/concern")
        if childSeen == false, childSeenAlone == true {
            reader.report("/concern/childSeenAlone", "cannot be true when childSeen is false")
        }
        let childsVoice = reader.string(object, "childsVoice", at: "/concern")
        var risk: Concern.Risk?
        if let riskObject = reader.requiredObject(object, "risk", at: "/concern", allowed: riskFields) {
            if let level = reader.enumeration(riskObject, "level", at: "/concern/risk", required: true, as: RiskLevel.self) {
                risk = Concern.Risk(
                    level: level, tool: reader.string(riskObject, "tool", at: "/concern/risk"),
                    toolVersion: reader.string(riskObject, "toolVersion", at: "/concern/risk"),
                    assessedBy: reader.string(riskObject, "assessedBy", at: "/concern/risk"))
            }
        }
        let incidentAt = reader.dateTime(object, "incidentAt", at: "/concern")
        if let incidentAt, let sentAt, incidentAt > sentAt {
            reader.report("/concern/incidentAt", "is after the message was sent")
        }
        guard let risk else { return nil }
        return Concern(
            categories: categories, summary: summary, childSeen: childSeen, childSeenAlone: childSeenAlone,
            childsVoice: childsVoice, risk: risk, incidentAt: incidentAt)
    }

    static func readNotification(_ root: JSONObject, sentAt: Date?, _ reader: inout PayloadReader) -> NotificationDetails? {
        guard let object = reader.requiredObject(root, "notification", at: .root, allowed: notificationFields) else { return nil }
        let type = reader.enumeration(object, "type", at: "/notification", required: true, as: NotificationType.self)
        let occurredAt = reader.dateTime(object, "occurredAt", at: "/notification", required: true)
        if let occurredAt, let sentAt, occurredAt > sentAt {
            reader.report("/notification/occurredAt", "is after the message was sent")
        }
        let childPresent = reader.bool(object, "childPresent", at: "/notification")
        let summary = reader.string(object, "summary", at: "/notification")
        let plan = reader.enumeration(object, "plan", at: "/notification", as: PlanType.self)
        if let type, [.planStarted, .planEnded].contains(type), plan == nil, object["plan"] == nil {
            reader.report("/notification/plan", "is required for \(type.rawValue): say which plan")
        }
        if let type, ![.planStarted, .planEnded].contains(type), object["plan"] != nil {
            reader.report("/notification/plan", "applies only to plan-started and plan-ended notifications")
        }
        guard let type, let occurredAt else { return nil }
        return NotificationDetails(type: type, occurredAt: occurredAt, childPresent: childPresent, summary: summary, plan: plan)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
