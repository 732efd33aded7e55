import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The tamper-evident audit log over HTTP (docs/audit.md):
/// - `GET /v1/audit/checkpoints/latest` (public, like a Certificate Transparency log's signed tree
///   head): the latest published checkpoint, for witnesses to keep outside the hub.
/// - `GET /v1/audit/checkpoints?after=` (public): published checkpoints in order.
/// - `POST /v1/audit/checkpoints` (auditor or administrator): publish one now.
/// - `GET /v1/audit/entries/{index}` (auditor): one entry, exactly as hashed.
/// - `GET /v1/audit/proofs/inclusion?index=&treeSize=` and
///   `GET /v1/audit/proofs/consistency?from=&to=` (auditor): RFC 6962 proofs.
/// - `GET /v1/persons/{personId}/access-log` (auditor or MASH manager): who saw which sections of
///   which messages about the person, when, and on what lawful basis; JSON, or CSV with
///   `Accept: text/csv` or `?format=csv`.
struct AuditRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/audit/checkpoints/latest") { _, _ in try await latest() }
        router.get("/v1/audit/checkpoints") { request, _ in try await checkpoints(request) }
        router.post("/v1/audit/checkpoints") { request, _ in try await publish(request) }
        router.get("/v1/audit/entries/:index") { request, context in try await entry(request, context) }
        router.get("/v1/audit/proofs/inclusion") { request, _ in try await inclusion(request) }
        router.get("/v1/audit/proofs/consistency") { request, _ in try await consistency(request) }
        router.get("/v1/persons/:personId/access-log") { request, context in try await accessLog(request, context) }
    }

    static func headJSON(_ head: TreeHead) -> JSONValue {
        [
            "treeSize": .number(Double(head.size)), "rootHash": .string(head.root.hexString), "at": .string(RFC3339.format(head.at)),
            "checkpoint": .bool(head.checkpoint), "jws": .string(head.jws),
        ]
    }

    func latest() async throws -> Response {
        guard let head = try await hub.store.read({ try $0.latestCheckpoint() }) else {
            throw Problem(.notFound, "No checkpoint has been published yet.")
        }
        return .json(Self.headJSON(head))
    }

    func checkpoints(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        var after: Int64 = -1
        if let text = parameters["after"].map(String.init) {
            guard let value = Int64(text), value >= 0 else { throw Problem(.badRequest, "after must be a tree size (a whole number ≥ 0).") }
            after = value
        }
        let limit = try PageLimit.parse(parameters)
        let start = after
        let heads = try await hub.store.read { try $0.checkpoints(after: start, limit: limit) }
        return .json(["checkpoints": .array(heads.map(Self.headJSON))])
    }

    func publish(_ request: Request) async throws -> Response {
        let identity = try hub.authenticate(request)
        guard identity.role == .auditor || identity.role == .administrator else {
            throw Problem(.notPermitted, "Publishing a checkpoint needs a token with role auditor or administrator.")
        }
        guard let head = try await hub.checkpoint(trigger: "requested by \(identity.agency)") else {
            throw Problem(.notFound, "This hub keeps no audit log.")
        }
        return .json(Self.headJSON(head))
    }

    func entry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try hub.authenticate(request, as: .auditor)
        guard let index = context.parameters.get("index").flatMap(Int64.init), index >= 0 else {
            throw Problem(.notFound, "No audit entry with this index.")
        }
        guard let entry = try await hub.store.read({ try $0.auditEntry(index) }) else { throw Problem(.notFound, "No audit entry with this index.") }
        return .json([
            "index": .number(Double(entry.index)), "at": .string(RFC3339.format(entry.at)), "leafHash": .string(entry.leafHash.hexString),
            "body": .string(Base64URL.encode(entry.body)), "entry": (try? StrictJSON.parse(entry.body)) ?? .null,
        ])
    }

    func integer(_ request: Request, _ name: String) throws -> Int64 {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), let value = Int64(text), value >= 0 else {
            throw Problem(.badRequest, "\(name) is required: a whole number ≥ 0.")
        }
        return value
    }

    /// The tree size to prove against: given, or the latest signed tree head's.
    func treeSize(_ request: Request, _ name: String) async throws -> TreeHead {
        let requested = request.uri.queryParameters[Substring(name)] == nil ? nil : try integer(request, name)
        let head = try await hub.store.read { reader in try requested.map { try reader.treeHead(size: $0) } ?? reader.latestTreeHead() }
        guard let head else {
            throw Problem(.notFound, requested == nil ? "The audit log is empty." : "The hub signed no tree head of that size; use the size of a checkpoint.")
        }
        return head
    }

    func inclusion(_ request: Request) async throws -> Response {
        _ = try hub.authenticate(request, as: .auditor)
        let index = try integer(request, "index")
        let head = try await treeSize(request, "treeSize")
        guard index < head.size else { throw Problem(.badRequest, "index must be below treeSize (\(head.size)).") }
        let (proof, leaf) = try await hub.store.read { reader in
            (try reader.inclusionProof(index: index, size: head.size), try reader.auditEntry(index)?.leafHash ?? [])
        }
        return .json([
            "index": .number(Double(index)), "treeSize": .number(Double(head.size)), "leafHash": .string(leaf.hexString),
            "auditPath": .array(proof.map { .string($0.hexString) }), "treeHead": Self.headJSON(head),
        ])
    }

    func consistency(_ request: Request) async throws -> Response {
        _ = try hub.authenticate(request, as: .auditor)
        let from = try await treeSize(request, "from")
        let to = try await treeSize(request, "to")
        guard from.size <= to.size else { throw Problem(.badRequest, "from must not be larger than to.") }
        let proof = try await hub.store.read { try $0.consistencyProof(from: from.size, to: to.size) }
        return .json([
            "from": Self.headJSON(from), "to": Self.headJSON(to), "proof": .array(proof.map { .string($0.hexString) }),
        ])
    }

    // MARK: - The access log a person can ask for

    struct AccessRow {
        var at: Date
        var entry: Int64
        var change: JSONObject
        var messageId: String?
    }

    func accessLog(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let identity = try hub.authenticate(request)
        guard identity.role == .auditor || identity.role == .mashManager else {
            throw Problem(.notPermitted, "A person's access log needs a token with role auditor or mash-manager.")
        }
        guard let id = context.parameters.get("personId").flatMap(PersonID.init(rawValue:)) else { throw Problem(.notFound, "No person with this id.") }
        let identityService = hub.identity
        // Reading who read a person's record is itself a read of it.
        let rows: [AccessRow]? = try await hub.store.write { transaction in
            guard let live = try identityService.livePerson(id, in: transaction) else { return nil }
            var people: Set<PersonID> = [live]
            for merge in try transaction.merges(involving: live) where merge.survivor == live && merge.undoneAt == nil { people.insert(merge.merged) }
            var rows: [AccessRow] = []
            var seen: Set<Int64> = []
            for person in people.sorted() {
                for entry in try transaction.accessEntries(of: person) where seen.insert(entry.index).inserted {
                    guard let changes = (try? StrictJSON.parse(entry.body))?.objectValue?["changes"]?.arrayValue else { continue }
                    for change in changes.compactMap(\.objectValue) where change["change"]?.stringValue == "access" {
                        let persons = Set(change["persons"]?.arrayValue?.compactMap { $0.stringValue.flatMap(PersonID.init(rawValue:)) } ?? [])
                        guard !persons.isDisjoint(with: people) else { continue }
                        var messageId: String?
                        if let sequence = change["messageSequence"]?.numberValue {
                            messageId = try transaction.message(sequence: Int64(sequence)).map { "\($0.sender)/\($0.messageId)" }
                        }
                        rows.append(AccessRow(at: entry.at, entry: entry.index, change: change, messageId: messageId))
                    }
                }
            }
            try transaction.apply(.access(AccessRecord(
                channel: "api", resource: "access-log", reader: identity.agency, role: (identity.role ?? .lead).rawValue, persons: [live])))
            return rows.sorted { $0.entry < $1.entry }
        }
        guard let rows else { throw Problem(.notFound, "No person with this id.") }
        let wantsCSV = request.uri.queryParameters["format"] == "csv" || (request.headers[.accept]?.contains("text/csv") ?? false)
        if wantsCSV {
            var lines = ["at,reader,role,channel,resource,item,message,sections,basis,purpose,auditEntry"]
            for row in rows {
                let fields: [String] = [
                    RFC3339.format(row.at), row.change["reader"]?.stringValue ?? "", row.change["role"]?.stringValue ?? "",
                    row.change["channel"]?.stringValue ?? "", row.change["resource"]?.stringValue ?? "", row.change["item"]?.stringValue ?? "",
                    row.messageId ?? "", (row.change["sections"]?.arrayValue?.compactMap(\.stringValue) ?? []).joined(separator: ";"),
                    row.change["basis"]?.stringValue ?? "", row.change["purpose"]?.stringValue ?? "", String(row.entry),
                ]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
            return Response.text(lines.joined(separator: "\r\n") + "\r\n", contentType: "text/csv; charset=utf-8")
        }
        return .json([
            "person": .string(id.rawValue),
            "accesses": .array(rows.map { row in
                var object: JSONObject = ["at": .string(RFC3339.format(row.at)), "auditEntry": .number(Double(row.entry))]
                for name in ["reader", "role", "channel", "resource", "item", "sections", "basis", "purpose"] {
                    if let value = row.change[name] { object[name] = value }
                }
                if let messageId = row.messageId { object["message"] = .string(messageId) }
                return .object(object)
            }),
        ])
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is
    /// prefixed with an apostrophe so a spreadsheet does not run it as a formula.
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension BatonHub {
    /// Publishes a checkpoint of the audit log now and logs it (size and root: no personal data),
    /// so that log shipping carries it outside the hub too.
    @discardableResult
    public func checkpoint(trigger: String) async throws -> TreeHead? {
        guard let head = try await store.auditCheckpoint() else { return nil }
        logger.notice("audit checkpoint", metadata: [
            "treeSize": "\(head.size)", "rootHash": "\(head.root.hexString)", "trigger": "\(trigger)",
        ])
        return head
    }
}

/// Publishes a checkpoint of the audit log at the configured interval.
struct CheckpointService: Service {
    let hub: BatonHub
    let interval: Duration

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do { try await hub.checkpoint(trigger: "interval") } catch is CancellationError { return } catch {
                    hub.logger.error("audit checkpoint failed; retrying at the next interval", metadata: ["error.type": "\(type(of: error))"])
                }
            }
        }
    }
}
