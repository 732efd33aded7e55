import ArgumentParser
import BatonCore
import BatonSigning
import Foundation

struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a message payload (JSON) as a compact JWS.",
        discussion: """
            The header is {"alg": <key's algorithm>, "kid": "<agency-id>/<key-id>",
            "typ": "baton-message"}. The JWS is written to standard output (with no
            trailing newline unless it is a terminal).

            Example:
              baton sign --key nmp-2026-1.jwk --stamp referral.json > referral.jws
              curl -sS -H 'Content-Type: application/jose' --data-binary @referral.jws http://127.0.0.1:8080/v1/messages
            """)

    @Option(help: "Your agency's private key file (from 'baton keys generate').")
    var key: String

    @Flag(help: "Set a new messageId and sentAt (now) before signing, replacing any in the file.")
    var stamp = false

    @Argument(help: "The payload JSON file, or - for standard input.")
    var payload: String = "-"

    func run() async throws {
        try await reportingErrors {
            let keyFile = try PayloadInput.key(key)
            var object = try PayloadInput.read(payload)
            if stamp { PayloadInput.stamp(&object) }
            let jws = try CompactJWS.sign(payload: JSONValue.object(object).serialized(), type: .message, kid: keyFile.kid, key: keyFile.key)
            Output.token(jws)
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make a bearer token (JWT) for reading from the hub.",
        discussion: """
            Claims: iss = your agency id, aud = "baton", iat = now, exp = now + lifetime
            (at most 300 s), jti = a random id, and with --role the role of the person
            your system reads for (lead, mash-manager, auditor, administrator; policies/
            access.yaml says which agencies may act in which role). Header typ is "JWT",
            so a token is never accepted as a message.

            Example:
              curl -sS -H "Authorization: Bearer $(baton token --key nmp-2026-1.jwk)" \\
                   http://127.0.0.1:8080/v1/messages/<messageId>
            """)

    @Option(help: "Your agency's private key file.")
    var key: String

    @Option(help: "Lifetime in seconds, 1–300.")
    var lifetime: Int = 300

    @Option(help: "The role of the person you read for: lead (the default), mash-manager, auditor, administrator.")
    var role: String?

    func run() async throws {
        try await reportingErrors {
            guard (1...300).contains(lifetime) else { throw CLIError("--lifetime must be between 1 and 300 seconds") }
            var staffRole: StaffRole?
            if let role {
                guard let named = StaffRole(rawValue: role) else {
                    throw CLIError("--role must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                staffRole = named
            }
            Output.token(try BearerToken.make(key: try PayloadInput.key(key), lifetime: TimeInterval(lifetime), role: staffRole))
        }
    }
}

enum BearerToken {
    static func make(key: KeyFile, lifetime: TimeInterval = 300, role: StaffRole? = nil, now: Date = Date()) throws -> String {
        let agency = try PayloadInput.agency(of: key)
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        var claims: JSONObject = [
            "iss": .string(agency.rawValue), "aud": "baton", "iat": .number(issuedAt),
            "exp": .number(issuedAt + lifetime), "jti": .string(UUID().uuidString.lowercased()),
        ]
        if let role { claims["role"] = .string(role.rawValue) }
        return try CompactJWS.sign(payload: JSONValue.object(claims).serialized(), type: .bearer, kid: key.kid, key: key.key)
    }
}
