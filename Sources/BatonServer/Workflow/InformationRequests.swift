import BatonCore
import BatonPolicy
import BatonStore
import Foundation

/// The MASH gathers what partners know (issue "The MASH at work"): an `information-request` names
/// the agencies asked and a RAG rating; each gets an item timed by `information-request-<rag>` in
/// sla.yaml, which escalates like any other. A partner answers with an `information-response`
/// about its item: that completes the item (`information-provided`, or `nothing-known`, an answer
/// in its own right) and hands the MASH a notice carrying the response, whose sections go through
/// need-to-know like any content. The MASH's view of its request shows who has answered and who is
/// overdue.
struct InformationRequests: Sendable {
    let workflow: ItemWorkflow

    var policies: PolicySet { workflow.policies }

    /// One item per agency asked.
    func ask(
        _ message: Message, request: InformationRequest, sequence: Int64, personByRef: [String: PersonID], schoolAuthority: String?,
        at now: Date, in transaction: any StoreTransaction
    ) throws -> [Item] {
        let sender = workflow.registry.agency(message.from.agency)
        guard sender?.type == .socialCare else {
            throw Problem(.notPermitted, "Information requests are sent by children's social care (the MASH); your agency is not one.")
        }
        try workflow.requireReachable(
            request.recipients, named: "/request/recipients", by: message, refusal: "Some of the agencies asked cannot be sent this request; see 'errors'.")
        let subjects = message.subjects.map(\.ref)
        return try request.recipients.map { recipient in
            try workflow.create(NewItem(
                messageSequence: sequence, messageSender: message.from.agency, messageId: message.messageId, recipient: recipient,
                purpose: SystemPurpose.informationRequest, subjects: subjects, subjectPersons: subjects.compactMap { personByRef[$0] },
                origin: "request", deadlineClass: "information-request-\(request.rag.rawValue)",
                details: ["rag": request.rag.rawValue], schoolAuthority: schoolAuthority), at: now, in: transaction)
        }
    }

    /// Applies a response to the item it answers, and hands the MASH the answer.
    func answer(
        _ message: Message, response: InformationResponse, sequence: Int64, personByRef: [String: PersonID], at now: Date,
        in transaction: any StoreTransaction
    ) throws -> (answered: Item, notice: Item) {
        let caller = message.from.agency
        guard case .item(let text) = message.about, let id = ItemID(rawValue: text), let item = try transaction.item(id),
            item.recipient == caller || item.messageSender == caller
        else {
            throw Problem(.notFound, "No item with this id is visible to your agency.")
        }
        guard item.recipient == caller else {
            throw Problem(.notYourItem, "Only the agency that was asked can answer an information request.")
        }
        guard item.purpose == SystemPurpose.informationRequest else {
            throw Problem(.invalidMessage, "An information-response answers an information request item; this item is a \(item.purpose).",
                errors: [ValidationProblem(pointer: "/about/item", problem: "is not an information request")])
        }
        guard item.isOpen else {
            throw Problem(.itemStateConflict, "This information request is already \(item.state.status.rawValue); it cannot be answered again.")
        }
        let actor = Actor.agency(caller, name: message.from.person?.name, role: message.from.person?.role, messageId: message.messageId)
        var current = item
        if [.requested, .received].contains(current.state.status) {
            // Answering is acknowledging: the person who answered owns the answer.
            let owner = Owner(name: message.from.person?.name ?? "\(caller) (information response)", role: message.from.person?.role)
            current = try workflow.apply(.acknowledged(by: actor, owner: owner), to: current, at: now, messageSequence: sequence, in: transaction)
        }
        let code = response.nothingKnown ? "nothing-known" : "information-provided"
        let rationale = response.summary
            ?? (response.nothingKnown ? "Nothing is known of the child." : "Answered with \(message.sections.count) section\(message.sections.count == 1 ? "" : "s").")
        let answered = try workflow.apply(
            .outcomeRecorded(by: actor, code: code, rationale: rationale, needsSignOff: false), to: current, at: now, messageSequence: sequence,
            in: transaction)
        let subjects = message.subjects.map(\.ref)
        var details = [
            "requestItem": item.id.rawValue, "requestMessage": item.messageId.rawValue, "respondedBy": caller.rawValue,
            "nothingKnown": response.nothingKnown ? "true" : "false",
        ]
        if let rag = item.details["rag"] { details["rag"] = rag }
        let notice = try workflow.create(NewItem(
            messageSequence: sequence, messageSender: caller, messageId: message.messageId, recipient: item.messageSender,
            purpose: SystemPurpose.informationResponse, kind: .notice, subjects: subjects, subjectPersons: subjects.compactMap { personByRef[$0] },
            origin: "response", relatedItem: item.id, deadlineClass: "information-response", details: details,
            schoolAuthority: item.terms.schoolAuthority), at: now, by: actor, in: transaction)
        return (answered, notice)
    }
}
