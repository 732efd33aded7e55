import ArgumentParser
import BatonCore
import BatonSigning
import Foundation

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Sign a message, send it to the hub, and verify the receipt.",
        discussion: """
            Signs the payload with your key (or sends an already-signed JWS with
            --signed), POSTs it to <hub>/v1/messages, then checks the hub's receipt
            against the hub's published keys (/.well-known/jwks.json) and that it covers
            exactly the bytes sent. Prints the hub's answer. Exit status: 0 receipted, 1
            refused (the problem is printed), 2 usage error.

            Resending the identical JWS is safe: the hub answers 200 with the original
            receipt.

            Example:
              baton submit --hub http://127.0.0.1:8080 --key nmp-2026-1.jwk --stamp referral.json
            """)

    @Option(help: "The hub's base URL (env BATON_HUB; default http://127.0.0.1:8080).")
    var hub: String?

    @Option(help: "Your agency's private key file (not needed with --signed).")
    var key: String?

    @Flag(help: "Set a new messageId and sentAt (now) before signing.")
    var stamp = false

    @Option(help: "Send this file's compact JWS as it is instead of signing a payload.")
    var signed: String?

    @Argument(help: "The payload JSON file, or - for standard input.")
    var payload: String?

    func run() async throws {
        try await reportingErrors {
            let jws: String
            if let signed {
                guard let data = FileManager.default.contents(atPath: signed) else { throw CLIError("cannot read \(signed)") }
                jws = String(decoding: data, as: UTF8.self)
            } else {
                guard let key else { throw CLIError("give --key to sign the payload, or --signed with a ready JWS", exitCode: 2) }
                let keyFile = try PayloadInput.key(key)
                var object = try PayloadInput.read(payload ?? "-")
                if stamp { PayloadInput.stamp(&object) }
                jws = try CompactJWS.sign(payload: JSONValue.object(object).serialized(), type: .message, kid: keyFile.kid, key: keyFile.key)
            }
            let client = HubClient(baseURL: Environment.value(hub, "BATON_HUB", default: "http://127.0.0.1:8080"))
            let reply = try await client.submit(jws)
            guard reply.status == 200 || reply.status == 202 else {
                FileHandle.standardError.write(Data((Output.prettyJSON(reply.body) + "\n").utf8))
                throw CLIError("the hub refused the message (HTTP \(reply.status))")
            }
            guard let receipt = reply.json?.objectValue?["receipt"]?.stringValue else { throw CLIError("the hub's answer has no receipt") }
            let verified = try await client.verifyReceipt(receipt, for: jws)
            print(Output.prettyJSON(reply.body))
            print("\(reply.status == 202 ? "Accepted" : "Already held (identical resubmission)"): receipt verified; message \(verified.messageId) is #\(verified.sequence) at the hub, received \(RFC3339.format(verified.receivedAt)).")
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the hub what became of a message your agency sent.",
        discussion: """
            Reads GET <hub>/v1/messages/<messageId> with a fresh bearer token signed by
            your key.

            Example:
              baton status --hub http://127.0.0.1:8080 --key nmp-2026-1.jwk 3f1e9a52-7c41-4f0e-9f55-2b8e6f0d7a11
            """)

    @Option(help: "The hub's base URL (env BATON_HUB; default http://127.0.0.1:8080).")
    var hub: String?

    @Option(help: "Your agency's private key file.")
    var key: String

    @Argument(help: "The messageId you sent.")
    var messageId: String

    func run() async throws {
        try await reportingErrors {
            guard let id = MessageID(rawValue: messageId) else { throw CLIError("the message id must be a UUID", exitCode: 2) }
            let token = try BearerToken.make(key: try PayloadInput.key(key))
            let client = HubClient(baseURL: Environment.value(hub, "BATON_HUB", default: "http://127.0.0.1:8080"))
            let reply = try await client.get("/v1/messages/\(id)", bearer: token)
            guard reply.status == 200 else {
                FileHandle.standardError.write(Data((Output.prettyJSON(reply.body) + "\n").utf8))
                throw CLIError("HTTP \(reply.status)")
            }
            print(Output.prettyJSON(reply.body))
        }
    }
}
