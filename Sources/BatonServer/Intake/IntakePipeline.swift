import BatonCore
import BatonIdentity
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation

/// Everything decided about one message, inside the transaction that stores it: case messages
/// are linked to people and routed into items (``CaseIntake``); replies act on their item
/// (``ReplyIntake``). Then the hub signs the receipt. Whatever this throws refuses the message and
/// leaves nothing behind: the store rolls back its writes, and the identity index entries it made
/// are taken out (at once if deciding failed; through ``settle(_:committed:)`` if the message's
/// transaction failed later).
struct IntakePipeline: Sendable {
    let cases: CaseIntake
    let replies: ReplyIntake
    let hubKey: HubKey
    let registry: AgencyRegistry
    let disclosure: Disclosure
    /// Whether the hub keeps an audit log (receipts then name the message's entry).
    var auditLog = true

    /// Called once the store has answered for `message`: index entries of a message that did not
    /// commit are taken out.
    func settle(_ message: IncomingMessage, committed: Bool) {
        cases.identity.settle("\(message.sender)/\(message.messageId)", committed: committed)
    }

    /// The message's mentions normalised and scored against the identity index, by ref: the
    /// expensive part of linking, done before the message reaches the single writer.
    func prepare(_ message: Message) throws -> [String: IdentityService.PreparedMention] {
        guard message.isCaseMessage else { return [:] }
        var prepared: [String: IdentityService.PreparedMention] = [:]
        for (list, field) in [(message.subjects, "subjects"), (message.persons, "persons")] {
            for (position, mention) in list.enumerated() {
                prepared[mention.ref] = try cases.identity.prepare(mention, pointer: "/\(field)/\(position)")
            }
        }
        return prepared
    }

    func decide(
        _ message: Message, incoming: IncomingMessage, sequence: Int64, in base: any StoreTransaction,
        prepared: [String: IdentityService.PreparedMention] = [:], actor: Actor? = nil
    ) throws -> IntakeDecision {
        let transaction = RecordingTransaction(base)
        let now = incoming.receivedAt
        var summary = JSONObject()
        if message.isCaseMessage {
            let senderType = registry.agency(incoming.sender)?.type ?? .other
            var added: [(MentionKey, PersonIndex.RecordID)] = []
            let result: CaseIntake.Result
            do {
                result = try cases.process(
                    message, sequence: sequence, senderType: senderType, at: now, in: transaction, prepared: prepared, added: &added)
            } catch {
                cases.identity.forget(added)
                throw error
            }
            cases.identity.hold("\(incoming.sender)/\(incoming.messageId)", added)
            summary["subjects"] = .array(result.links.filter { $0.role == "subject" }.map {
                ["ref": .string($0.ref), "person": .string($0.person.rawValue), "match": .string($0.match.rawValue)]
            })
            if let item = result.about {
                summary["about"] = ["item": .string(item.id.rawValue), "status": .string(item.state.status.rawValue)]
            }
            if !result.warnings.isEmpty {
                summary["warnings"] = .array(result.warnings.map { ["pointer": .string($0.pointer), "problem": .string($0.problem)] })
            }
        } else {
            let result = try replies.process(message, sequence: sequence, at: now, in: transaction, actor: actor)
            if let item = result.about {
                summary["about"] = ["item": .string(item.id.rawValue), "status": .string(item.state.status.rawValue)]
            } else if case .message(let id) = message.about {
                summary["about"] = ["message": .string(id.rawValue), "cancelledItems": .number(Double(result.changed.count))]
            }
        }
        try recordDisclosures(of: transaction.created, message: message, sequence: sequence, at: now, in: transaction)
        summary["items"] = .array(transaction.created.map { item in
            var entry: JSONObject = ["itemId": .string(item.id.rawValue), "recipient": .string(item.recipient.rawValue), "purpose": .string(item.purpose)]
            if let dueAt = item.state.dueAt { entry["dueAt"] = .string(RFC3339.format(dueAt)) }
            return .object(entry)
        })
        // The message's audit entry is appended, after everything decided here, at the log's end.
        let receipt = Receipt(
            messageId: incoming.messageId, from: incoming.sender, kid: incoming.senderKid, receivedAt: incoming.receivedAt,
            sha256: incoming.sha256, sequence: sequence, auditIndex: auditLog ? try transaction.auditSize() : nil)
        return IntakeDecision(receipt: try hubKey.sign(receipt.payload, type: .receipt), summary: .object(summary))
    }

    /// The need-to-know decision for each item made while deciding this message that shows message
    /// content (routed items, and work a reply passed on, such as a transfer of an earlier
    /// referral), recorded with the policy version in the same transaction.
    func recordDisclosures(of items: [Item], message: Message, sequence: Int64, at now: Date, in transaction: any StoreTransaction) throws {
        var messages: [Int64: Message] = [sequence: message]
        for item in items where item.showsMessageContent {
            if messages[item.messageSequence] == nil {
                guard let stored = try transaction.message(sequence: item.messageSequence), let parsed = ItemViews.parse(stored) else { continue }
                messages[item.messageSequence] = parsed
            }
            guard let about = messages[item.messageSequence] else { continue }
            try transaction.apply(.disclosure(
                item: item.id, policyVersion: disclosure.policies.version, at: now,
                record: JSONValue.object(disclosure.record(of: about, for: item)).serializedString()))
        }
    }
}
