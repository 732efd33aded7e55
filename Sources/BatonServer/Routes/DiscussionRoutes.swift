import BatonCore
import BatonStore
import Foundation
import Hummingbird

/// `GET /v1/discussions`: the strategy discussions the caller agency convenes, newest first, each
/// with who has accepted, what is overdue and which actions are open (the MASH's view across its
/// discussions; each discussion also appears on every item of it).
struct DiscussionRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/discussions") { request, context in try await list(request, context) }
    }

    func list(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let identity = try hub.authenticate(request)
        let parameters = request.uri.queryParameters
        let open: Bool?
        switch parameters["state"].map(String.init) ?? "open" {
        case "open": open = true
        case "closed": open = false
        case "all": open = nil
        default: throw Problem(.badRequest, "state must be open, closed or all.")
        }
        let limit = try PageLimit.parse(parameters)
        let now = hub.clock.now()
        let views = hub.views
        let discussions = try await hub.store.read { reader in
            try reader.items(recipient: identity.agency, purpose: SystemPurpose.strategyDiscussion, open: open, limit: limit).map { item -> JSONValue in
                var view = try views.discussion(of: item, viewer: identity.agency, in: reader, at: now) ?? [:]
                view["status"] = .string(item.state.status.rawValue)
                view["createdAt"] = .string(RFC3339.format(item.createdAt))
                view["invitationsAwaiting"] = .number(Double(view["invitations"]?.arrayValue?.filter { $0.objectValue?["answer"]?.stringValue == "awaiting" }.count ?? 0))
                view["invitationsOverdue"] = .number(Double(view["invitations"]?.arrayValue?.filter { $0.objectValue?["overdue"]?.boolValue == true }.count ?? 0))
                view["actionsOverdue"] = .number(Double(view["actions"]?.arrayValue?.filter { $0.objectValue?["overdue"]?.boolValue == true }.count ?? 0))
                return .object(view)
            }
        }
        return .json(["discussions": .array(discussions)])
    }
}
