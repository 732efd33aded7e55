import BatonCore
import BatonSigning
import Foundation

/// Agencies and keys for signing tests: fresh keys each run, validity windows around `now`.
struct TestKeys {
    static let now = Date(timeIntervalSince1970: 1_795_339_800)  // 2026-11-22T09:30:00Z
    let police = AgencyID(rawValue: "police-test")!
    let school = AgencyID(rawValue: "school-test")!
    let edKey = SigningKey.generate(.edDSA)
    let esKey = SigningKey.generate(.es256)
    let expiredKey = SigningKey.generate(.edDSA)
    let futureKey = SigningKey.generate(.edDSA)
    let revokedKey = SigningKey.generate(.edDSA)
    let schoolKey = SigningKey.generate(.edDSA)

    var registry: AgencyRegistry {
        AgencyRegistry(
            agencies: [
                Agency(id: police, type: .police, name: "Test Police"),
                Agency(id: school, type: .school, name: "Test School", codes: ["urn": "990199"]),
            ],
            keys: [
                RegisteredKey(agency: police, kid: "ed", publicKey: edKey.publicKey),
                RegisteredKey(agency: police, kid: "es", publicKey: esKey.publicKey),
                RegisteredKey(agency: police, kid: "expired", publicKey: expiredKey.publicKey, notAfter: Self.now - 60),
                RegisteredKey(agency: police, kid: "future", publicKey: futureKey.publicKey, notBefore: Self.now + 3600),
                RegisteredKey(agency: police, kid: "revoked", publicKey: revokedKey.publicKey, revoked: true),
                RegisteredKey(agency: school, kid: "s1", publicKey: schoolKey.publicKey),
            ])
    }

    var verifier: JWSVerifier { JWSVerifier(registry: registry, maxPayloadBytes: 4096) }
}

/// Builds a compact JWS with any header at all, for forging bad ones.
func forge(header: JSONValue, payload: [UInt8], signature: (([UInt8]) throws -> [UInt8])?) rethrows -> String {
    let input = Base64URL.encode(header.serialized()) + "." + Base64URL.encode(payload)
    let signatureBytes = try signature?(Array(input.utf8)) ?? []
    return input + "." + Base64URL.encode(signatureBytes)
}

let samplePayload = Array(#"{"hello":"hub"}"#.utf8)
