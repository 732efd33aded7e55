import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Hummingbird

/// `GET /v1/inbox` (the caller agency's items, most urgent first) and `GET /v1/items/{itemId}`
/// (one item as its recipient reads it).
struct ItemRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/inbox") { request, context in try await inbox(request, context) }
        router.get("/v1/items/:itemId") { request, context in try await item(request, context) }
    }

    func inbox(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let identity = try hub.authenticate(request)
        let parameters = request.uri.queryParameters
        var selection = InboxQuery.Selection.open
        if let state = parameters["state"].map(String.init) {
            switch state {
            case "open": selection = .open
            case "closed": selection = .closed
            case "all": selection = .all
            default:
                guard let status = ItemStatus(rawValue: state) else {
                    throw Problem(.badRequest, "state must be open, closed, all or an item status (\(ItemStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
                }
                selection = .status(status)
            }
        }
        let limit = try PageLimit.parse(parameters)
        var cursor: InboxCursor?
        if let text = parameters["cursor"].map(String.init) {
            guard let decoded = InboxCursor(token: text) else {
                throw Problem(.badRequest, "cursor is not one this hub gave out; start again without it.")
            }
            cursor = decoded
        }
        let (items, next) = try await page(of: identity.agency, selection, after: cursor, limit: limit)
        let now = hub.clock.now()
        var body: JSONObject = ["items": .array(items.map { .object(hub.views.summary($0, at: now)) })]
        if let next { body["nextCursor"] = .string(next) }
        return .json(.object(body))
    }

    func item(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let identity = try hub.authenticate(request)
        guard let id = context.parameters.get("itemId").flatMap(ItemID.init(rawValue:)) else {
            throw Problem(.notFound, "No item with this id is visible to your agency.")
        }
        guard let (_, view) = try await read(id, as: identity.agency, role: identity.role, channel: "api") else {
            throw Problem(.notFound, "No item with this id is visible to your agency.")
        }
        return .json(.object(view))
    }

    /// One page of `agency`'s inbox in urgency order, and the cursor of the next page if any.
    /// The API and the web UI's inbox read through this.
    func page(of agency: AgencyID, _ selection: InboxQuery.Selection, after cursor: InboxCursor?, limit: Int) async throws -> ([Item], next: String?) {
        let query = InboxQuery(agency: agency, selection: selection, after: cursor, limit: limit + 1)
        var items = try await hub.store.read { try $0.inbox(query) }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map { InboxCursor($0).token }
        }
        return (items, next)
    }

    /// The item as its recipient `agency` reads it (nil for anyone else), through `channel` (`api`,
    /// `ui`), by the web UI's `user` if any. Fetching its own item means the recipient has it: the
    /// first read marks it received. The read is written to the audit log in the same transaction.
    func read(_ id: ItemID, as agency: AgencyID, role: StaffRole?, channel: String, user: String? = nil) async throws -> (Item, JSONObject)? {
        let now = hub.clock.now()
        let workflow = hub.workflow
        let views = hub.views
        return try await hub.store.write { transaction in
            guard var item = try transaction.item(id), item.recipient == agency else { return nil }
            if item.isOpen, item.state.status == .requested || item.state.deadlines.contains(where: { $0.kind == .delivery && $0.metAt == nil }) {
                item = try workflow.apply(.delivered(channel: .pull), to: item, at: now, in: transaction)
            }
            let message = try transaction.message(sequence: item.messageSequence)
            let recorded = try RecordedDisclosure.of(item.id, in: transaction)
            var view = views.recipientView(
                item, message: message, history: try transaction.history(of: item.id), at: now, recorded: recorded, role: role)
            if let discussion = try views.discussion(of: item, viewer: agency, in: transaction, at: now, descriptions: true) { view["discussion"] = .object(discussion) }
            var access = try views.access(of: view, item: item, reader: agency, role: role, channel: channel, in: transaction)
            access.user = user
            try transaction.apply(.access(access))
            return (item, view)
        }
    }
}

extension InboxCursor {
    /// The opaque token given to clients: base64url of `risk.due.created.id`.
    var token: String {
        Base64URL.encode(Array("\(riskRank).\(dueAt).\(createdAt).\(id)".utf8))
    }

    init?(token: String) {
        guard let bytes = Base64URL.decode(token) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, let risk = Int(parts[0]), let due = Int64(parts[1]), let created = Int64(parts[2]),
            ItemID(rawValue: parts[3]) != nil
        else { return nil }
        self.init(riskRank: risk, dueAt: due, createdAt: created, id: parts[3])
    }
}
