import ArgumentParser
import BatonCore
import BatonSigning
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create agency signing keys.",
        subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        /// Members in the order people read them: kty, crv, x, y.
        func order(_ member: String) -> Int { ["kty", "crv", "x", "y"].firstIndex(of: member) ?? 9 }

        static let configuration = CommandConfiguration(
            abstract: "Generate a signing key pair for your agency.",
            discussion: """
                Writes the PRIVATE key as a JWK file readable only by you (mode 0600) and
                prints the public entry to add under 'keys:' in your agency's registry file
                (agencies/<id>.yaml). Send only that public entry to the hub operator; the
                private key never leaves your system.

                Example:
                  baton keys generate --agency police-northmoor --kid nmp-2026-2 --out nmp-2026-2.jwk
                """)

        @Option(help: "Your agency's id in the registry, e.g. police-northmoor.")
        var agency: String

        @Option(help: "A name for this key, unique within your agency, e.g. nmp-2026-2.")
        var kid: String

        @Option(help: "EdDSA (Ed25519, the default) or ES256 (ECDSA P-256).")
        var algorithm: String = "EdDSA"

        @Option(help: "Where to write the private key file.")
        var out: String

        @Option(name: .customLong("not-after"), help: "When the key stops being valid (RFC 3339); default one year from now.")
        var notAfter: String?

        @Flag(help: "Replace an existing key file.")
        var force = false

        func run() async throws {
            try await reportingErrors {
                guard AgencyID(rawValue: agency) != nil else { throw CLIError("--agency must be lower-case letters, digits and hyphens") }
                guard kid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), (1...64).contains(kid.count) else {
                    throw CLIError("--kid must be 1–64 letters, digits, '.', '_' or '-'")
                }
                guard let algorithm = JWSAlgorithm(rawValue: algorithm) else { throw CLIError("--algorithm must be EdDSA or ES256") }
                let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
                let expiry: Date
                if let notAfter {
                    guard let parsed = RFC3339.parse(notAfter), parsed > now else { throw CLIError("--not-after must be a future RFC 3339 date-time") }
                    expiry = parsed
                } else {
                    expiry = now + 365 * 86_400
                }
                let key = SigningKey.generate(algorithm)
                do {
                    try KeyFile(kid: "\(agency)/\(kid)", key: key).write(path: out, overwrite: force)
                } catch let error as KeyFileError {
                    throw CLIError(error.description)
                }
                let jwk = key.publicKey.jwkMembers.sorted { order($0.0) < order($1.0) }.map { "\($0.0): \($0.0 == "x" || $0.0 == "y" ? "\"\($0.1)\"" : $0.1)" }
                print("""
                    # Private key written to \(out) (mode 0600). Keep it secret; never send it to anyone.
                    # Add this entry under 'keys:' in agencies/\(agency).yaml:
                      - kid: \(kid)
                        jwk: { \(jwk.joined(separator: ", ")) }
                        notBefore: \(RFC3339.format(now).replacingOccurrences(of: ".000Z", with: "Z"))
                        notAfter: \(RFC3339.format(expiry).replacingOccurrences(of: ".000Z", with: "Z"))
                        revoked: false
                    """)
            }
        }
    }
}
