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
/// signing a receipt; then storing the bytes with a durable group commit. Each is a separate
/// process (this executable, `--floor-server MODE`), like `baton serve`.
///
/// This is the ceiling above Baton's figure: the target (intake >= 0.5 x one core's
/// Ed25519 verify rate) cannot be met by a hub that does more than the highest rung that falls
/// short of it.
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

    var label: String {
        switch self {
        case .http: "HTTP only: read the body, answer 202"
        case .verify: "+ verify the JWS, parse and validate"
        case .receipt: "+ SHA-256 and a signed receipt"
        case .store: "+ durable group commit of the bytes"
        }
    }
}

/// The server side of `--floor`: `baton-bench-intake --floor-server MODE --port P --agencies DIR --database FILE`.
enum FloorServer {
    struct Stored: Sendable {
        var sender: String
        var messageId: String
        var receivedAt: String
        var sha256: String
        var jws: [UInt8]
    }

    static func run(_ arguments: [String]) async throws {
        func value(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        guard let mode = value("--floor-server").flatMap(FloorMode.init(rawValue:)), let port = value("--port").flatMap(Int.init),
            let agencies = value("--agencies"), let database = value("--database")
        else {
            print("usage: baton-bench-intake --floor-server http|verify|receipt|store --port P --agencies DIR --database FILE")
            exit(2)
        }
        let verifier = JWSVerifier(registry: try AgencyRegistry.load(directory: agencies))
        let hubKey = HubKey(key: .generate(.edDSA))
        let committer: GroupCommitter<Stored, Int64>? = mode == .store ? try openStore(database) : nil

        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.post("/v1/messages") { request, _ -> Response in
            let bytes = Array(try await request.body.collect(upTo: 300_000).readableBytesView)
            guard mode != .http else { return respond(["status": "accepted"]) }
            let now = Date()
            let message: Message
            do {
                let verified = try verifier.verifyMessage(bytes, at: now)
                message = try MessageValidator.validate(try StrictJSON.parse(verified.payload)).get()
            } catch {
                throw HTTPError(.badRequest)
            }
            guard mode != .verify else { return respond(["messageId": .string(message.messageId.rawValue)]) }
            let sha256 = Digest.sha256Hex(bytes)
            let receivedAt = RFC3339.format(now)
            var sequence: Int64 = 0
            if let committer {
                sequence = try await committer.submit(
                    Stored(sender: message.from.agency.rawValue, messageId: message.messageId.rawValue, receivedAt: receivedAt, sha256: sha256, jws: bytes))
            }
            let receipt = Receipt(
                messageId: message.messageId, from: message.from.agency, kid: "police-northmoor/bench-1", receivedAt: now, sha256: sha256,
                sequence: sequence)
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
    static func openStore(_ path: String) throws -> GroupCommitter<Stored, Int64> {
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
                        arguments: [job.sender, job.messageId, job.receivedAt, job.sha256, Data(job.jws)])
                    return .success(db.lastInsertedRowID)
                }
            }
        }
    }
}
