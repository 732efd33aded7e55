import BatonCore
import BatonPolicy
import BatonStore
import Foundation

/// How a strategy discussion reads: who convenes it and by when it must be held, each invitation
/// (awaiting, accepted with the attendee, declined with the reason, attended, absent), the decision,
/// and each agreed action with its owner, due date and state. Agencies and professionals only; the
/// children are in the items' content, under need-to-know. An action's description (case text) is
/// shown only on items read through the item API or a push, which are access-logged, and there only
/// to the convenor and the action's owner; the decision's rationale to the convenor, and to others as
/// outcomes.yaml's `tellReferrer` allows.
extension ItemViews {
    /// The discussion an item belongs to (the convenor's item itself, an invitation, an action, a
    /// prompt about new information), as `viewer` may read it; nil for other items.
    func discussion(of item: Item, viewer: AgencyID, in reader: any StoreReader, at now: Date, descriptions: Bool = false) throws -> JSONObject? {
        let discussion: Item
        if item.purpose == SystemPurpose.strategyDiscussion {
            discussion = item
        } else if let text = item.details["discussion"], let id = ItemID(rawValue: text), let found = try reader.item(id) {
            discussion = found
        } else {
            return nil
        }
        let related = try reader.items(relatedTo: discussion.id)
        var record: StrategyDiscussionRecord?
        if let decision = discussion.state.decision, let agency = decision.by.agency, let id = decision.by.messageId,
            let stored = try reader.message(from: agency, id: id), let parsed = Self.parse(stored),
            case .strategyDiscussionRecord(let body) = parsed.body
        {
            record = body
        }
        return discussionJSON(discussion, related: related, record: record, viewer: viewer, at: now, descriptions: descriptions)
    }

    func discussionJSON(
        _ discussion: Item, related: [Item], record: StrategyDiscussionRecord?, viewer: AgencyID, at now: Date, descriptions: Bool
    ) -> JSONObject {
        let isConvenor = viewer == discussion.recipient
        var object: JSONObject = [
            "discussionItem": .string(discussion.id.rawValue),
            "convenor": .string(discussion.recipient.rawValue),
            "urgency": discussion.details["urgency"].map(JSONValue.string) ?? .null,
            "requestedBy": discussion.details["requestedBy"].map(JSONValue.string) ?? .null,
            "origin": .string(discussion.origin),
        ]
        let state: String
        if !discussion.isOpen {
            state = discussion.state.status == .completed ? "closed" : discussion.state.status.rawValue
        } else if discussion.state.decision != nil {
            state = "actions-open"
        } else {
            state = "to-be-held"
        }
        object["state"] = .string(state)
        if let held = discussion.state.deadline(.decision) {
            object["holdBy"] = .string(RFC3339.format(held.dueAt))
            object["overdue"] = .bool(held.metAt == nil && held.dueAt <= now && discussion.isOpen)
        }
        if let earlier = discussion.details["earlierDiscussions"] {
            object["earlierDiscussions"] = .array(earlier.split(separator: " ").map { .string(String($0)) })
        }
        object["invitations"] = .array(related.filter { $0.purpose == SystemPurpose.strategyInvitation }.map { invitation in
            var entry: JSONObject = [
                "itemId": .string(invitation.id.rawValue), "agency": .string(invitation.recipient.rawValue),
                "required": .bool(invitation.details["required"] == "true"),
            ]
            let answer: String
            switch invitation.state.status {
            case .requested, .received: answer = "awaiting"
            case .rejected: answer = "declined"
            case .completed: answer = "attended"
            case .cancelled: answer = "absent"
            default: answer = "accepted"
            }
            entry["answer"] = .string(answer)
            if let owner = invitation.state.owner { entry["attendee"] = ownerJSON(owner) }
            if answer == "declined" || answer == "absent", let closure = invitation.state.closure { entry["reason"] = .string(closure.reason) }
            if let due = invitation.state.deadline(.acknowledgement), answer == "awaiting" {
                entry["answerBy"] = .string(RFC3339.format(due.dueAt))
                entry["overdue"] = .bool(due.dueAt <= now)
            }
            if let escalation = invitation.state.escalation { entry["escalation"] = escalationJSON(escalation) }
            return .object(entry)
        })
        if let decision = discussion.state.decision {
            var decisionObject: JSONObject = ["code": .string(decision.code), "recordedAt": .string(RFC3339.format(decision.at))]
            let view = policies.outcomes[decision.code]?.tellReferrer ?? .code
            if isConvenor || view == .codeAndRationale { decisionObject["rationale"] = .string(decision.rationale) }
            if let record {
                decisionObject["heldAt"] = .string(RFC3339.format(record.heldAt))
                decisionObject["format"] = .string(record.format.rawValue)
                decisionObject["attendees"] = .array(record.attendees.map { attendee in
                    var json: JSONObject = ["agency": .string(attendee.agency.rawValue), "name": .string(attendee.name)]
                    if let role = attendee.role { json["role"] = .string(role) }
                    return .object(json)
                })
                decisionObject["absences"] = .array(record.absences.map { ["agency": .string($0.agency.rawValue), "reason": .string($0.reason)] })
            }
            object["decision"] = .object(decisionObject)
        }
        let actions = related.filter { $0.purpose == SystemPurpose.strategyAction }
        object["actions"] = .array(actions.map { action in
            var entry: JSONObject = [
                "itemId": .string(action.id.rawValue), "owner": .string(action.recipient.rawValue), "status": .string(action.state.status.rawValue),
            ]
            if let due = action.state.deadline(.outcome) {
                entry["dueAt"] = .string(RFC3339.format(due.dueAt))
                entry["overdue"] = .bool(action.isOpen && due.dueAt <= now)
            }
            if let outcome = action.state.outcome { entry["outcome"] = .string(outcome.code) }
            if descriptions, isConvenor || viewer == action.recipient, let record, let index = action.details["action"].flatMap(Int.init),
                record.actions.indices.contains(index)
            {
                entry["description"] = .string(record.actions[index].description)
            }
            return .object(entry)
        })
        object["openActions"] = .number(Double(actions.filter(\.isOpen).count))
        return object
    }
}
