import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Hummingbird

/// `POST /v1/messages` (intake) and `GET /v1/messages/{messageId}` (the sender's view).
struct MessageRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/messages") { request, context in try await submit(request, context) }
        router.get("/v1/messages/:messageId") { request, context in try await status(request, context) }
    }

    func submit(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmed.lowercased()
        guard mediaType == "application/jose" else {
            hub.metrics.recordRejected(.unsupportedMediaType)
            throw Problem(.unsupportedMediaType,
                "Send the compact JWS with Content-Type: application/jose (received \(mediaType.map { "'\(JWSErrorText.printable($0))'" } ?? "none")).")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: hub.configuration.maxBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            hub.metrics.recordRejected(.payloadTooLarge)
            throw Problem(.payloadTooLarge, "The request body is larger than a \(hub.configuration.maxPayloadBytes)-byte payload can be.")
        }
        let outcome = try await hub.intake.submit(Array(body.readableBytesView))
        let stored = outcome.stored
        var response: JSONObject = [
            "receipt": .string(stored.receipt),
            "messageId": .string(stored.messageId.rawValue),
            "receivedAt": .string(RFC3339.format(stored.receivedAt)),
            "sha256": .string(stored.sha256),
            "sequence": .number(Double(stored.sequence)),
        ]
        for member in stored.summary?.objectValue?.members ?? [] { response[member.name] = member.value }
        let status: HTTPResponse.Status = if case .accepted = outcome { .accepted } else { .ok }
        return .json(.object(response), status: status, headers: [.location: "/v1/messages/\(stored.messageId)"])
    }

    /// The sender's view of its own message. Reading it is how a pull-only referrer receives the
    /// outcomes fed back to it: each outcome shown here counts as delivered.
    func status(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let identity = try hub.authenticate(request)
        guard let id = context.parameters.get("messageId").flatMap(MessageID.init(rawValue:)) else {
            throw Problem(.notFound, "Your agency has sent no message with this id.")
        }
        let view = try await senderStatus(of: id, agency: identity.agency)
        guard let view else { throw Problem(.notFound, "Your agency has sent no message with this id.") }
        return .json(.object(view))
    }

    /// The sender's view of its message (nil when `agency` sent none with this id); outcomes fed
    /// back to it count as delivered. The API and the web UI's "Sent" page read through this.
    func senderStatus(of id: MessageID, agency: AgencyID) async throws -> JSONObject? {
        let now = hub.clock.now()
        let workflow = hub.workflow
        let views = hub.views
        return try await hub.store.write { transaction in
            guard let stored = try transaction.message(from: agency, id: id) else { return nil }
            var items = try transaction.items(messageSequence: stored.sequence)
            for (index, item) in items.enumerated()
            where item.purpose == SystemPurpose.outcomeFeedback && item.recipient == agency && item.isOpen {
                items[index] = try workflow.apply(.delivered(channel: .pull), to: item, at: now, in: transaction)
            }
            var responses: [ItemID: Item] = [:]
            if stored.kind == .informationRequest {
                for item in items where item.purpose == SystemPurpose.informationRequest {
                    responses[item.id] = try transaction.items(relatedTo: item.id).first { $0.purpose == SystemPurpose.informationResponse }
                }
            }
            var view = views.senderView(stored, items: items, responses: responses, at: now)
            if let convened = items.first(where: { $0.purpose == SystemPurpose.strategyDiscussion }) {
                view["discussion"] = .object(try views.discussion(of: convened, viewer: agency, in: transaction, at: now) ?? [:])
            }
            return view
        }
    }
}

enum JWSErrorText {
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(64))
    }
}
