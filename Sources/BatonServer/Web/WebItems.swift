import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import Hummingbird

/// A form that came back with problems: which form, what was entered, and each problem by field.
struct FormProblems: Sendable {
    var action: String
    var summary: String
    var fields: [String: String]
    var entered: [String: String]
}

extension WebUI {
    // MARK: - Item page

    func item(_ text: String, _ principal: Principal, problems: FormProblems? = nil, done: String? = nil) async throws -> Response {
        guard let id = ItemID(rawValue: text) else { throw WebFailure.notFound }
        let now = hub.clock.now()
        guard let (item, view) = try await ItemRoutes(hub: hub).read(
            id, as: principal.user.agency, role: principal.user.role, channel: "ui", user: principal.user.username)
        else { throw WebFailure.notFound }
        // Which person each of the message's refs was linked to, for links to a child's page.
        let persons = try await hub.store.read { reader in
            Dictionary(try reader.mentions(messageSequence: item.messageSequence).map { ($0.ref, $0.person.rawValue) }) { first, _ in first }
        }
        var context = layout(principal, title: WebText.label(item.purpose), section: "inbox")
        context["item"] = itemContext(item, view: view, persons: persons, now: now)
        context["forms"] = forms(for: item, principal: principal, view: view)
        if let problems {
            context["problems"] = [
                "summary": problems.summary,
                "list": problems.fields.sorted { $0.key < $1.key }.map { ["field": $0.key, "text": $0.value] },
            ]
            var fieldErrors: [String: Any] = [:]
            for (field, text) in problems.fields { fieldErrors[field] = text }
            context["fieldErrors"] = fieldErrors
            context["entered"] = problems.entered
            context["open_" + problems.action] = true
        }
        if let done { context["done"] = done }
        return render("item", context, status: problems == nil ? .ok : .unprocessableContent)
    }

    func itemContext(_ item: Item, view: JSONObject, persons: [String: String], now: Date) -> [String: Any] {
        var context: [String: Any] = [
            "id": item.id.rawValue, "purpose": WebText.label(item.purpose), "purposeCode": item.purpose,
            "status": WebText.label(item.state.status.rawValue), "statusClass": WebText.tagClass(status: item.state.status.rawValue),
            "risk": item.risk.map { WebText.label($0.rawValue) } ?? "Not given", "riskClass": WebText.tagClass(risk: item.risk?.rawValue),
            "from": agencyName(item.messageSender.rawValue), "received": WebText.dateTime(item.createdAt), "open": item.isOpen,
            "isNotice": item.kind == .notice,
        ]
        if let owner = item.state.owner, !owner.name.isEmpty { context["owner"] = owner.role.map { "\(owner.name) (\($0))" } ?? owner.name }
        if let due = item.state.dueAt {
            context["due"] = WebText.dateTime(due)
            context["overdue"] = due <= now
            context["dueIn"] = due <= now ? "Overdue by \(WebText.span(now.timeIntervalSince(due)))" : "Due in \(WebText.span(due.timeIntervalSince(now)))"
        }
        context["deadlines"] = item.state.deadlines.map { deadline -> [String: Any] in
            var row: [String: Any] = ["step": WebText.label(deadline.kind.rawValue), "due": WebText.dateTime(deadline.dueAt)]
            if let met = deadline.metAt { row["met"] = WebText.dateTime(met) }
            if deadline.pausedRemaining != nil { row["paused"] = true }
            if deadline.breachedAt != nil { row["breached"] = true }
            return row
        }
        if let hold = item.state.hold {
            context["hold"] = ["awaiting": agencyName(hold.awaiting), "reviewAt": WebText.dateTime(hold.reviewAt), "reason": hold.reason ?? ""]
        }
        for (key, outcome) in [("decision", item.state.decision), ("proposedOutcome", item.state.proposedOutcome), ("outcome", item.state.outcome)] {
            guard let outcome else { continue }
            var entry: [String: Any] = [
                "code": WebText.label(outcome.code), "rationale": outcome.rationale, "at": WebText.dateTime(outcome.at), "by": actorText(outcome.by),
            ]
            if let signer = outcome.signedOffBy { entry["signedOffBy"] = actorText(signer) }
            if let target = outcome.transferTo { entry["transferTo"] = agencyName(target.rawValue) }
            context[key] = entry
        }
        if let closure = item.state.closure { context["closed"] = ["at": WebText.dateTime(closure.at), "reason": closure.reason] }
        context["details"] = item.details.sorted { $0.key < $1.key }.map { ["name": WebText.label($0.key), "value": $0.value] }
        context["history"] = (view["history"]?.arrayValue ?? []).compactMap(\.objectValue).reversed().map { entry -> [String: Any] in
            var row: [String: Any] = [
                "event": WebText.label(entry["event"]?.stringValue ?? ""), "at": WebText.dateTime(entry["at"]?.stringValue) ?? "",
                "status": WebText.label(entry["status"]?.stringValue ?? ""),
            ]
            if let actor = entry["actor"]?.objectValue {
                var text = actor["name"]?.stringValue ?? ""
                if let agency = actor["agency"]?.stringValue { text += text.isEmpty ? agencyName(agency) : ", \(agencyName(agency))" }
                if actor["kind"]?.stringValue == "person" { text += " (in Baton)" }
                if actor["kind"]?.stringValue == "hub" { text = "Baton" }
                row["actor"] = text
            }
            row["detail"] = (entry["detail"]?.objectValue?.members ?? []).map { ["name": WebText.label($0.name), "value": $0.value.stringValue ?? $0.value.serializedString()] }
            return row
        }
        if let content = view["content"]?.objectValue { context["content"] = contentContext(content, persons: persons) }
        if let discussion = view["discussion"] { context["discussion"] = discussion.mustache }
        return context
    }

    func actorText(_ actor: Actor) -> String {
        switch actor.kind {
        case .hub: return "Baton"
        case .person, .agency:
            let agency = actor.agency.map { agencyName($0.rawValue) } ?? ""
            guard let name = actor.name, !name.isEmpty else { return agency }
            return "\(name), \(agency)"
        }
    }

    /// The message content the recipient may see, and what was withheld and why.
    func contentContext(_ content: JSONObject, persons: [String: String]) -> [String: Any] {
        var context: [String: Any] = [:]
        func personRows(_ key: String) -> [[String: Any]] {
            (content[key]?.arrayValue ?? []).compactMap(\.objectValue).map { mention in
                var row: [String: Any] = [:]
                let name = [mention["givenName"]?.stringValue, mention["familyName"]?.stringValue].compactMap { $0 }.joined(separator: " ")
                row["name"] = name.isEmpty ? "Name not given" : name
                var facts: [[String: String]] = []
                if let dob = mention["dateOfBirth"]?.stringValue { facts.append(["name": "Date of birth", "value": dob]) }
                if let sex = mention["sex"]?.stringValue { facts.append(["name": "Sex", "value": WebText.label(sex)]) }
                if let nhs = mention["nhsNumber"]?.stringValue { facts.append(["name": "NHS number", "value": nhs]) }
                if let upn = mention["upn"]?.stringValue { facts.append(["name": "UPN", "value": upn]) }
                if let address = mention["address"]?.objectValue {
                    let lines = (address["lines"]?.arrayValue ?? []).compactMap(\.stringValue) + [address["postcode"]?.stringValue].compactMap { $0 }
                    facts.append(["name": "Address", "value": lines.joined(separator: ", ")])
                }
                row["facts"] = facts
                if mention["doNotInform"]?.boolValue == true { row["doNotInform"] = mention["note"]?.stringValue ?? "Must not be told." }
                if let ref = mention["ref"]?.stringValue, let person = persons[ref] { row["person"] = person }
                return row
            }
        }
        context["subjects"] = personRows("subjects")
        context["persons"] = personRows("persons")
        context["relationships"] = (content["relationships"]?.arrayValue ?? []).compactMap(\.objectValue).map {
            ["from": $0["from"]?.stringValue ?? "", "to": $0["to"]?.stringValue ?? "", "role": WebText.label($0["role"]?.stringValue ?? "")]
        }
        context["fromLabel"] = content["notification"] != nil ? "Sent by" : "Referred by"
        if let referrer = content["referrer"]?.objectValue {
            var text = agencyName(referrer["agency"]?.stringValue ?? "")
            if let name = referrer["name"]?.stringValue { text = "\(name)\(referrer["role"]?.stringValue.map { " (\($0))" } ?? ""), \(text)" }
            context["referrer"] = text
            if let note = referrer["note"]?.stringValue { context["referrerNote"] = note }
        }
        var summary: [[String: String]] = []
        if let concern = content["concern"]?.objectValue {
            summary.append(["name": "Categories", "value": (concern["categories"]?.arrayValue ?? []).compactMap(\.stringValue).map(WebText.label).joined(separator: ", ")])
            if let text = concern["summary"]?.stringValue { summary.append(["name": "Summary", "value": text]) }
            if let level = concern["risk"]?.objectValue?["level"]?.stringValue { summary.append(["name": "Risk assessed by referrer", "value": WebText.label(level)]) }
            if let voice = concern["childsVoice"]?.stringValue { summary.append(["name": "The child's voice", "value": voice]) }
            if let at = concern["incidentAt"]?.stringValue { summary.append(["name": "Incident", "value": WebText.dateTime(at) ?? at]) }
        }
        if let notification = content["notification"]?.objectValue {
            summary.append(["name": "Notification", "value": WebText.label(notification["type"]?.stringValue ?? "")])
            if let at = notification["occurredAt"]?.stringValue { summary.append(["name": "Happened", "value": WebText.dateTime(at) ?? at]) }
            if let present = notification["childPresent"]?.boolValue { summary.append(["name": "Child present", "value": present ? "Yes" : "No"]) }
            if let text = notification["summary"]?.stringValue { summary.append(["name": "Summary", "value": text]) }
        }
        for (key, label) in [("request", "Information request"), ("response", "Response"), ("discussion", "Discussion requested")] {
            guard let object = content[key]?.objectValue else { continue }
            for member in object.members {
                let value = member.value.stringValue ?? member.value.arrayValue?.compactMap(\.stringValue).joined(separator: "; ") ?? member.value.serializedString()
                summary.append(["name": "\(label): \(WebText.label(member.name))", "value": value])
            }
        }
        context["summary"] = summary
        context["sections"] = (content["sections"]?.arrayValue ?? []).compactMap(\.objectValue).map { section -> [String: Any] in
            let fields = (section["content"]?.objectValue?.members ?? []).map { member -> [String: String] in
                ["name": WebText.label(member.name), "value": member.value.stringValue ?? member.value.serializedString()]
            }
            return ["label": WebText.label(section["label"]?.stringValue ?? ""), "fields": fields]
        }
        let withheld = (content["withheld"]?.arrayValue ?? []).compactMap(\.objectValue).map { entry -> [String: Any] in
            let count = Int(entry["sections"]?.numberValue ?? 0)
            return ["reason": entry["reason"]?.stringValue ?? "", "count": count, "plural": count != 1]
        }
        context["withheld"] = withheld
        if let persons = content["personsWithheld"]?.numberValue { context["personsWithheld"] = Int(persons) }
        if let consent = content["consent"]?.objectValue {
            var entry: [String: Any] = [
                "status": WebText.label(consent["status"]?.stringValue ?? ""), "basis": WebText.label(consent["basis"]?.stringValue ?? ""),
            ]
            if let reason = consent["reasonNotSought"]?.stringValue { entry["reasonNotSought"] = reason }
            context["consent"] = entry
        }
        return context
    }

    /// Which forms the item's state allows, with their choices.
    func forms(for item: Item, principal: Principal, view: JSONObject) -> [String: Any] {
        guard item.isOpen else { return [:] }
        var forms: [String: Any] = [:]
        let status = item.state.status
        let decidedElsewhere = ReplyIntake.decidedBy[item.purpose]
        let codes = hub.policies.outcomes.sortedCodes.filter { !ReplyIntake.hubRecordedCodes.contains($0) }.map { code -> [String: String] in
            ["code": code, "label": "\(WebText.label(code)) – \(hub.policies.outcomes[code]?.description ?? "")"]
        }
        let agencies = hub.registry.agencies.values.filter { $0.id != item.recipient }.sorted { $0.name < $1.name }.map {
            ["id": $0.id.rawValue, "name": $0.name]
        }
        if status == .requested || status == .received {
            if item.purpose == SystemPurpose.strategyDiscussion {
                forms["record"] = true
            } else {
                let invitation = item.purpose == SystemPurpose.strategyInvitation
                forms["acknowledge"] = [
                    "ownerName": principal.user.displayName, "ownerRole": WebText.label(principal.user.role.rawValue),
                    "title": invitation ? "Accept the invitation" : "Acknowledge",
                    "hint": invitation ? "Name who will take part for your agency." : "Say who in your agency owns this work.",
                    "nameLabel": invitation ? "Who will attend" : "Owner's name", "button": invitation ? "Accept" : "Acknowledge",
                ]
                if item.kind == .action {
                    forms["reject"] = [
                        "title": invitation ? "Decline the invitation" : "Reject",
                        "hint": invitation ? "Say why your agency cannot take part." : "The MASH will route it elsewhere. Say why it is not for your agency.",
                        "button": invitation ? "Decline" : "Reject",
                    ]
                }
            }
        }
        if item.kind == .action, status == .accepted || status == .inProgress {
            forms["note"] = true
            if item.purpose == SystemPurpose.strategyDiscussion {
                forms["record"] = true
            } else if decidedElsewhere == nil {
                if item.state.decision == nil { forms["decision"] = ["codes": codes] }
                if item.state.proposedOutcome == nil { forms["outcome"] = ["codes": codes, "agencies": agencies] }
            }
            forms["hold"] = ["agencies": agencies]
        }
        if status == .onHold { forms["resume"] = true }
        if item.state.proposedOutcome != nil, principal.user.role == .mashManager { forms["signOff"] = true }
        if let discussion = view["discussion"]?.objectValue, forms["record"] != nil {
            let invited = (discussion["invitations"]?.arrayValue ?? []).compactMap { $0.objectValue?["agency"]?.stringValue }
            forms["record"] = [
                "codes": codes,
                "invited": ([item.recipient.rawValue] + invited).map { ["id": $0, "name": agencyName($0)] },
                "agencies": hub.registry.agencies.values.sorted { $0.name < $1.name }.map { ["id": $0.id.rawValue, "name": $0.name] },
                "actionRows": [["n": "1"], ["n": "2"], ["n": "3"]],
            ]
        }
        if forms.isEmpty { return [:] }
        forms["any"] = true
        return forms
    }

    // MARK: - Acting on an item

    /// Each form, the reply it amounts to, and which form field a problem at each JSON pointer
    /// belongs to.
    static let fieldOfPointer: [String: String] = [
        "/acknowledgement/owner/name": "owner_name", "/acknowledgement/owner": "owner_name", "/acknowledgement/owner/role": "owner_role",
        "/acknowledgement/reason": "reject_reason",
        "/update/note": "note", "/update/decision/code": "decision_code", "/update/decision/rationale": "decision_rationale",
        "/update/onHold/awaiting": "hold_awaiting", "/update/onHold/reviewAt": "hold_review", "/update/onHold/reason": "hold_reason",
        "/update/resume/note": "resume_note", "/update/signOff/decision": "signoff_decision", "/update/signOff/reason": "signoff_reason",
        "/outcome/code": "outcome_code", "/outcome/rationale": "outcome_rationale", "/outcome/transferTo": "outcome_transfer",
        "/outcome/transferPurpose": "outcome_transfer",
        "/record/heldAt": "record_held", "/record/format": "record_format", "/record/attendees": "record_attendees",
        "/record/decision": "record_decision", "/record/rationale": "record_rationale", "/record/absences": "record_attendees",
        "/record": "record_attendees",
    ]

    static let firstField: [String: String] = [
        "acknowledge": "owner_name", "reject": "reject_reason", "note": "note", "decision": "decision_code", "hold": "hold_awaiting",
        "resume": "resume_note", "outcome": "outcome_code", "sign-off": "signoff_decision", "record": "record_held",
    ]

    func act(_ text: String, action: String, form: WebForm, _ principal: Principal) async throws -> Response {
        guard let id = ItemID(rawValue: text), let first = Self.firstField[action] else { throw WebFailure.notFound }
        let user = principal.user
        let now = hub.clock.now()
        var person: JSONObject = ["name": .string(user.displayName)]
        person["role"] = .string(WebText.label(user.role.rawValue))
        var payload: JSONObject = [
            "messageId": .string(UUID().uuidString.lowercased()), "sentAt": .string(RFC3339.format(now)),
            "from": ["agency": .string(user.agency.rawValue), "person": .object(person)], "about": ["item": .string(id.rawValue)],
        ]
        func field(_ name: String) -> JSONValue { form[name].map(JSONValue.string) ?? .null }
        func optional(_ object: inout JSONObject, _ key: String, _ name: String) { if let value = form[name] { object[key] = .string(value) } }
        var localProblems: [String: String] = [:]
        switch action {
        case "acknowledge":
            payload["kind"] = "acknowledgement"
            var owner: JSONObject = ["name": field("owner_name")]
            optional(&owner, "role", "owner_role")
            payload["acknowledgement"] = ["decision": "accepted", "owner": .object(owner)]
        case "reject":
            payload["kind"] = "acknowledgement"
            payload["acknowledgement"] = ["decision": "rejected", "reason": field("reject_reason")]
        case "note":
            payload["kind"] = "update"
            payload["update"] = ["note": field("note")]
        case "decision":
            payload["kind"] = "update"
            payload["update"] = ["decision": ["code": field("decision_code"), "rationale": field("decision_rationale")]]
        case "hold":
            payload["kind"] = "update"
            var hold: JSONObject = ["awaiting": field("hold_awaiting")]
            hold["reviewAt"] = form["hold_review"].map { Self.endOfDay($0).map(JSONValue.string) ?? .string($0) } ?? .null
            if form["hold_review"] != nil, Self.endOfDay(form["hold_review"] ?? "") == nil { localProblems["hold_review"] = "Enter the review date as a real date, such as 27/3/2027" }
            optional(&hold, "reason", "hold_reason")
            payload["update"] = ["onHold": .object(hold)]
        case "resume":
            payload["kind"] = "update"
            var resume = JSONObject()
            optional(&resume, "note", "resume_note")
            payload["update"] = ["resume": .object(resume)]
        case "sign-off":
            payload["kind"] = "update"
            payload["update"] = ["signOff": ["decision": field("signoff_decision"), "reason": field("signoff_reason")]]
        case "outcome":
            payload["kind"] = "outcome"
            var outcome: JSONObject = ["code": field("outcome_code"), "rationale": field("outcome_rationale")]
            optional(&outcome, "transferTo", "outcome_transfer")
            payload["outcome"] = .object(outcome)
        case "record":
            payload["kind"] = "strategy-discussion-record"
            var record: JSONObject = ["format": field("record_format"), "decision": field("record_decision"), "rationale": field("record_rationale")]
            record["heldAt"] = form["record_held"].map { Self.instant($0).map(JSONValue.string) ?? .string($0) } ?? .null
            if let held = form["record_held"], Self.instant(held) == nil { localProblems["record_held"] = "Enter when the discussion was held as a date and time" }
            record["attendees"] = .array(form.all("record_attendee").map { agency in
                ["agency": .string(agency), "name": .string(form["record_attendee_name_\(agency)"] ?? agencyName(agency))]
            })
            var absences: [JSONValue] = []
            for (name, values) in form.fields.sorted(by: { $0.key < $1.key }) where name.hasPrefix("record_absence_") {
                guard let reason = values.first?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else { continue }
                absences.append(["agency": .string(String(name.dropFirst("record_absence_".count))), "reason": .string(reason)])
            }
            record["absences"] = .array(absences)
            var actions: [JSONValue] = []
            for n in 1...3 {
                guard let description = form["action_\(n)_description"] else { continue }
                var entry: JSONObject = ["description": .string(description), "owner": field("action_\(n)_owner")]
                entry["dueAt"] = form["action_\(n)_due"].map { Self.endOfDay($0).map(JSONValue.string) ?? .string($0) } ?? .null
                actions.append(.object(entry))
            }
            record["actions"] = .array(actions)
            payload["record"] = .object(record)
        default:
            throw WebFailure.notFound
        }
        var entered: [String: String] = [:]
        for (name, values) in form.fields where name != "csrf" { entered[name] = values.first ?? "" }
        if !localProblems.isEmpty {
            return try await item(text, principal, problems: FormProblems(action: action, summary: "There is a problem", fields: localProblems, entered: entered))
        }
        do {
            _ = try await hub.intake.act(.object(payload), as: principal.actor, user: user.username)
        } catch let problem as Problem where problem.status != .serviceUnavailable && problem.status != .internalServerError {
            var fields: [String: String] = [:]
            for error in problem.errors {
                let pointer = error.pointer
                let field = Self.fieldOfPointer[pointer]
                    ?? Self.fieldOfPointer.first { pointer.hasPrefix($0.key + "/") }?.value
                    ?? (pointer.hasPrefix("/record/actions") ? "action_1_description" : first)
                let text = Self.fieldMessage(field, problem: error.problem)
                if fields[field]?.contains(text) != true { fields[field] = fields[field].map { "\($0); \(text)" } ?? text }
            }
            if fields.isEmpty { fields[first] = problem.detail }
            if problem.type == .notFound { throw WebFailure.notFound }
            let summary = problem.errors.isEmpty ? problem.detail : "The form has \(fields.count) problem\(fields.count == 1 ? "" : "s")."
            return try await item(text, principal, problems: FormProblems(action: action, summary: summary, fields: fields, entered: entered))
        }
        return .redirect("/ui/items/\(id.rawValue)?done=\(action)")
    }

    static func sentence(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// What to do, for a field left empty (GOV.UK error messages say what to do, not what is wrong).
    static let emptyFieldMessages: [String: String] = [
        "owner_name": "Enter the name of the person who owns this work",
        "reject_reason": "Enter why this item is not for your agency",
        "note": "Enter the update",
        "decision_code": "Choose a decision",
        "decision_rationale": "Enter the reason for the decision",
        "hold_awaiting": "Choose the agency you are waiting for",
        "hold_review": "Enter the date to review the hold by",
        "resume_note": "Enter a note",
        "outcome_code": "Choose an outcome",
        "outcome_rationale": "Enter the reason for the outcome",
        "outcome_transfer": "Choose the agency the work passes to",
        "signoff_decision": "Choose whether to approve the outcome or return it",
        "signoff_reason": "Enter the reason for your sign-off decision",
        "record_held": "Enter when the discussion was held",
        "record_format": "Choose how the discussion was held",
        "record_attendees": "Select the agencies that took part, with who attended",
        "record_decision": "Choose the decision",
        "record_rationale": "Enter the reason for the decision",
        "action_1_description": "Enter each agreed action with its owner agency and due date",
    ]

    /// The message for a problem the validator found at `field`: what to do when the field was
    /// left empty, otherwise the validator's own words as a sentence.
    static func fieldMessage(_ field: String, problem: String) -> String {
        let empty = problem.contains("is required") || problem.contains("found null") || problem.contains("must not be empty")
            || problem.contains("must name who took part")
        if empty, let message = emptyFieldMessages[field] { return message }
        return sentence(problem)
    }

    /// A date from a date input (`2026-12-08`) as 17:00 UK time that day, RFC 3339.
    static func endOfDay(_ text: String) -> String? {
        WebDates.ukTime(text, hour: 17, minute: 0).map(RFC3339.format)
    }

    /// A `datetime-local` value (`2026-12-05T10:30`) in UK time, RFC 3339.
    static func instant(_ text: String) -> String? {
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let time = parts[1].split(separator: ":").compactMap { Int($0) }
        guard time.count >= 2 else { return nil }
        return WebDates.ukTime(String(parts[0]), hour: time[0], minute: time[1]).map(RFC3339.format)
    }
}

enum WebDates {
    /// `hour:minute` UK time (GMT or BST, whichever is in force then) on `YYYY-MM-DD`.
    static func ukTime(_ text: String, hour: Int, minute: Int) -> Date? {
        guard let day = CalendarDate(iso8601: text), (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London") ?? .gmt
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute))
    }
}
