import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import GRDB
import Hummingbird
import Logging

/// `--floor`: how fast could *any* intake go on this machine, with this HTTP stack and this load
/// generator? The same pre-signed referrals and load generator drive, one after another, servers
/// that each do less than Baton: only HTTP; then verifying and validating the message; then
/// signing a receipt; then storing the bytes with a durable group commit; and last Baton's own
/// store and audit log with nothing decided. Each is a separate process (this executable,
/// `--floor-server MODE`), like `baton serve`.
///
/// These are ceilings above Baton's figure: the target (intake >= 0.5 x one core's
/// Ed25519 verify rate) cannot be met by a hub that does more than a rung that falls short of it.
enum FloorMode: String, CaseIterable, Sendable {
    /// Read the body, answer 202 with a small JSON document.
    case http
    /// + verify the JWS (Ed25519, the registry's key), parse the payload strictly, validate it.
    case verify
    /// + SHA-256 of the JWS and a receipt signed by a hub key (Ed25519).
    case receipt
    /// + the JWS stored in SQLite (WAL, `synchronous=FULL`) in transactions shared by concurrent
    /// requests (BatonStore's GroupCommitter), answered after the commit.
    case store
    /// Baton's own store instead (`SQLiteStore.accept`): the message row, its audit-log entry and
    /// Merkle nodes, a signed tree head per shared transaction, the WAL synced beside the writer,
    /// and the receipt signed inside the transaction with the audit index, as `baton serve` does;
    /// but nothing decided (no identity, routing, items or need-to-know).
    case batonStore = "baton-store"

    var label: String {
        switch self {
        case .http: "HTTP only: read the body, answer 202"
        case .verify: "+ verify the JWS, parse and validate"
        case .receipt: "+ SHA-256 and a signed receipt"
        case .store: "+ durable group commit of the bytes"
        case .batonStore: "Baton's store and audit log, no deciding"
        }
    }
}

/// The server side of `--floor`: `baton-bench-intake --floor-server MODE --port P --agencies DIR --database FILE`.
enum FloorServer {
    static func run(_ arguments: [String]) async throws {
        func value(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        guard let mode = value("--floor-server").flatMap(FloorMode.init(rawValue:)), let port = value("--port").flatMap(Int.init),
            let agencies = value("--agencies"), let database = value("--database")
        else {
            print("usage: baton-bench-intake --floor-server http|verify|receipt|store|baton-store --port P --agencies DIR --database FILE")
            exit(2)
        }
        let verifier = JWSVerifier(registry: try AgencyRegistry.load(directory: agencies))
        let hubKey = HubKey(key: .generate(.edDSA))
        let committer: GroupCommitter<IncomingMessage, Int64>? = mode == .store ? try openStore(database) : nil
        let batonStore: SQLiteStore? = mode == .batonStore
            ? try SQLiteStore(path: database, treeHeadSigner: { size, root, at in try SignedTreeHead(size: size, root: root, at: at).sign(with: hubKey) })
            : nil

        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.post("/v1/messages") { request, _ -> Response in
            let bytes = Array(try await request.body.collect(upTo: 300_000).readableBytesView)
            guard mode != .http else { return respond(["status": "accepted"]) }
            let now = Date()
            let message: Message
            let kid: String
            do {
                let verified = try verifier.verifyMessage(bytes, at: now)
                kid = verified.key.qualifiedKid
                message = try MessageValidator.validate(try StrictJSON.parse(verified.payload)).get()
            } catch {
                throw HTTPError(.badRequest)
            }
            guard mode != .verify else { return respond(["messageId": .string(message.messageId.rawValue)]) }
            let sha256 = Digest.sha256Hex(bytes)
            let receivedAt = RFC3339.format(now)
            let incoming = IncomingMessage(
                sender: message.from.agency, messageId: message.messageId, kind: message.kind, senderKid: kid, sentAt: message.sentAt,
                receivedAt: now, jws: bytes, sha256: sha256)
            if let batonStore {
                let result = try await batonStore.accept(incoming) { incoming, sequence, transaction in
                    let receipt = Receipt(
                        messageId: incoming.messageId, from: incoming.sender, kid: incoming.senderKid, receivedAt: incoming.receivedAt,
                        sha256: incoming.sha256, sequence: sequence, auditIndex: try transaction.auditSize())
                    return IntakeDecision(receipt: try hubKey.sign(receipt.payload, type: .receipt), summary: ["items": [], "subjects": []])
                }
                guard case .accepted(let stored) = result else { throw HTTPError(.conflict) }
                return respond([
                    "receipt": .string(stored.receipt), "messageId": .string(stored.messageId.rawValue), "receivedAt": .string(receivedAt),
                    "sha256": .string(sha256), "sequence": .number(Double(stored.sequence)), "items": [], "subjects": [],
                ])
            }
            let sequence = try await committer?.submit(incoming) ?? 0
            let receipt = Receipt(messageId: message.messageId, from: message.from.agency, kid: kid, receivedAt: now, sha256: sha256, sequence: sequence)
            return respond([
                "receipt": .string(try hubKey.sign(receipt.payload, type: .receipt)), "messageId": .string(message.messageId.rawValue),
                "receivedAt": .string(receivedAt), "sha256": .string(sha256), "sequence": .number(Double(sequence)),
            ])
        }
        var logger = Logger(label: "baton-floor")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "baton-floor"), logger: logger)
        try await app.runService()
    }

    static func respond(_ object: JSONObject) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(JSONValue.object(object).serializedString())
        return Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    /// A one-table SQLite store written the way Baton's is: WAL, one writer, concurrent requests'
    /// inserts shared in one transaction; `synchronous=FULL` syncs the WAL at every commit, so a
    /// request is answered only once its bytes are durable.
    static func openStore(_ path: String) throws -> GroupCommitter<IncomingMessage, Int64> {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS message (
                    sequence INTEGER PRIMARY KEY, sender TEXT NOT NULL, message_id TEXT NOT NULL, received_at TEXT NOT NULL,
                    sha256 TEXT NOT NULL, jws BLOB NOT NULL)
                """)
        }
        return GroupCommitter { jobs in
            try await pool.write { db in
                try jobs.map { job in
                    try db.execute(
                        sql: "INSERT INTO message (sender, message_id, received_at, sha256, jws) VALUES (?, ?, ?, ?, ?)",
                        arguments: [job.sender.rawValue, job.messageId.rawValue, RFC3339.format(job.receivedAt), job.sha256, Data(job.jws)])
                    return .success(db.lastInsertedRowID)
                }
            }
        }
    }
}
