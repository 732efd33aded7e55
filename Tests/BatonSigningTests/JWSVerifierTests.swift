import BatonCore
import BatonSigning
import Crypto
import Foundation
import Testing

@Suite("Verifying signed messages")
struct JWSVerifierTests {
    let keys = TestKeys()

    func sign(_ kid: String, _ key: SigningKey, type: JWSType = .message, payload: [UInt8] = samplePayload) throws -> [UInt8] {
        Array(try CompactJWS.sign(payload: payload, type: type, kid: kid, key: key).utf8)
    }

    func refusal(_ bytes: [UInt8], at now: Date = TestKeys.now) -> JWSError? {
        do {
            _ = try keys.verifier.verifyMessage(bytes, at: now)
            return nil
        } catch {
            return error
        }
    }

    @Test("accepts EdDSA and ES256 signatures from registered keys and returns the exact payload")
    func acceptsBothAlgorithms() throws {
        let ed = try keys.verifier.verifyMessage(try sign("police-test/ed", keys.edKey), at: TestKeys.now)
        #expect(ed.key.qualifiedKid == "police-test/ed")
        #expect(ed.payload == samplePayload)
        let es = try keys.verifier.verifyMessage(try sign("police-test/es", keys.esKey), at: TestKeys.now)
        #expect(es.key.agency == keys.police)
    }

    @Test("refuses alg none, with or without a signature")
    func refusesNone() {
        let header: JSONValue = ["alg": "none", "kid": "police-test/ed", "typ": "baton-message"]
        #expect(refusal(Array(forge(header: header, payload: samplePayload, signature: nil).utf8)) == .unsupportedAlgorithm("none"))
        let noKid: JSONValue = ["alg": "none"]
        #expect(refusal(Array(forge(header: noKid, payload: samplePayload, signature: { _ in [1, 2, 3] }).utf8)) == .unsupportedAlgorithm("none"))
    }

    @Test("refuses HS256 keyed with the agency's public key (the algorithm-confusion attack)")
    func refusesHMACWithPublicKey() throws {
        let header: JSONValue = ["alg": "HS256", "kid": "police-test/ed", "typ": "baton-message"]
        let publicRaw = Array(keys.edKey.publicKey.jwkMembers.first { $0.0 == "x" }!.1.utf8)
        let jwkText = JWK.publicJWK(keys.edKey.publicKey, kid: "police-test/ed").serialized()
        for secret in [publicRaw, jwkText, Base64URL.decode(String(decoding: publicRaw, as: UTF8.self))!] {
            let forged = forge(header: header, payload: samplePayload) { input in
                Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: secret)))
            }
            #expect(refusal(Array(forged.utf8)) == .unsupportedAlgorithm("HS256"))
        }
    }

    @Test("refuses RSA and other algorithms outside the allow-list", arguments: ["RS256", "PS256", "ES384", "ES256K", "EdDSA25519", "none ", ""])
    func refusesOtherAlgorithms(_ alg: String) {
        let header: JSONValue = ["alg": .string(alg), "kid": "police-test/ed", "typ": "baton-message"]
        #expect(refusal(Array(forge(header: header, payload: samplePayload) { _ in [UInt8](repeating: 1, count: 64) }.utf8)) == .unsupportedAlgorithm(alg))
    }

    @Test("refuses an unknown kid, a kid of the wrong shape and a missing kid")
    func refusesUnknownKid() throws {
        guard case .unknownKey(let detail) = refusal(try sign("police-test/nope", keys.edKey)) else {
            Issue.record("expected unknownKey")
            return
        }
        #expect(detail.contains("No registered key"))
        guard case .unknownKey(let shape) = refusal(try sign("ed", keys.edKey)) else {
            Issue.record("expected unknownKey")
            return
        }
        #expect(shape.contains("<agency-id>/<key-id>"))
        let noKid: JSONValue = ["alg": "EdDSA", "typ": "baton-message"]
        let forged = try forge(header: noKid, payload: samplePayload) { try keys.edKey.signature(for: $0) }
        guard case .unknownKey = refusal(Array(forged.utf8)) else {
            Issue.record("expected unknownKey")
            return
        }
    }

    @Test("refuses expired, not-yet-valid and revoked keys")
    func refusesKeysOutsideTheirWindow() throws {
        #expect(refusal(try sign("police-test/expired", keys.expiredKey)) == .keyExpired(TestKeys.now - 60))
        #expect(refusal(try sign("police-test/future", keys.futureKey)) == .keyNotYetValid(TestKeys.now + 3600))
        #expect(refusal(try sign("police-test/revoked", keys.revokedKey)) == .keyRevoked)
        // The same not-yet-valid key verifies once its window opens.
        #expect(throws: Never.self) { try keys.verifier.verifyMessage(try sign("police-test/future", keys.futureKey), at: TestKeys.now + 3601) }
    }

    @Test("refuses keys and key URLs in the header, crit, and unknown header parameters", arguments: ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64", "cty"])
    func refusesHeaderInjection(_ parameter: String) throws {
        let attackerKey = SigningKey.generate(.edDSA)
        let header: JSONValue = .object(JSONObject([
            .init(name: "alg", value: "EdDSA"), .init(name: "kid", value: "police-test/ed"), .init(name: "typ", value: "baton-message"),
            .init(name: parameter, value: JWK.publicJWK(attackerKey.publicKey, kid: "attacker")),
        ]))
        let forged = try forge(header: header, payload: samplePayload) { try attackerKey.signature(for: $0) }
        #expect(refusal(Array(forged.utf8)) == .forbiddenHeader(parameter))
    }

    @Test("a bearer token is never accepted as a message, nor a receipt")
    func refusesWrongType() throws {
        #expect(refusal(try sign("police-test/ed", keys.edKey, type: .bearer)) == .wrongType(expected: "baton-message", found: "JWT"))
        #expect(refusal(try sign("police-test/ed", keys.edKey, type: .receipt)) == .wrongType(expected: "baton-message", found: "baton-receipt"))
        let noTyp: JSONValue = ["alg": "EdDSA", "kid": "police-test/ed"]
        let forged = try forge(header: noTyp, payload: samplePayload) { try keys.edKey.signature(for: $0) }
        #expect(refusal(Array(forged.utf8)) == .wrongType(expected: "baton-message", found: nil))
        let mediaType: JSONValue = ["alg": "EdDSA", "kid": "police-test/ed", "typ": "application/Baton-Message"]
        let accepted = try forge(header: mediaType, payload: samplePayload) { try keys.edKey.signature(for: $0) }
        #expect(refusal(Array(accepted.utf8)) == nil)
    }

    @Test("refuses a header algorithm that is not the registered key's")
    func refusesAlgorithmMismatch() throws {
        let header: JSONValue = ["alg": "ES256", "kid": "police-test/ed", "typ": "baton-message"]
        let forged = try forge(header: header, payload: samplePayload) { try keys.esKey.signature(for: $0) }
        #expect(refusal(Array(forged.utf8)) == .algorithmMismatch(header: "ES256", key: "EdDSA"))
    }

    @Test("refuses a signature by another key, a changed payload and a truncated signature")
    func refusesBadSignatures() throws {
        #expect(refusal(try sign("police-test/ed", SigningKey.generate(.edDSA))) == .badSignature)
        #expect(refusal(try sign("police-test/es", SigningKey.generate(.es256))) == .badSignature)
        let good = String(decoding: try sign("police-test/ed", keys.edKey), as: UTF8.self)
        let parts = good.split(separator: ".")
        let tampered = parts[0] + "." + Base64URL.encode(Array(#"{"hello":"hux"}"#.utf8)) + "." + parts[2]
        #expect(refusal(Array(tampered.utf8)) == .badSignature)
        let truncated = parts[0] + "." + parts[1] + "." + Base64URL.encode(Base64URL.decode(String(parts[2]))!.prefix(63))
        #expect(refusal(Array(truncated.utf8)) == .badSignature)
    }

    @Test("one agency's key cannot be used under another agency's name")
    func kidBindsAgency() throws {
        #expect(refusal(try sign("school-test/ed", keys.edKey)) != nil)
        #expect(refusal(try sign("school-test/s1", keys.edKey)) == .badSignature)
    }

    @Test("refuses malformed compact serializations", arguments: [
        ("", "the body is empty"), ("abc", "three"), ("a.b", "three"), ("a.b.c.d", "more than three"),
        ("a b.c.d", "not base64url"), ("e30=.e30.e30", "not base64url"), ("!!.e30.AA", "not base64url"),
    ])
    func refusesMalformed(_ text: String, _ expected: String) {
        guard case .malformed(let reason) = refusal(Array(text.utf8)) else {
            Issue.record("expected malformed for \(text)")
            return
        }
        #expect(reason.contains(expected))
    }

    @Test("refuses trailing data after the signature, naming a trailing newline")
    func refusesTrailingData() throws {
        let good = try sign("police-test/ed", keys.edKey)
        guard case .malformed(let newline) = refusal(good + [0x0A]) else {
            Issue.record("accepted a trailing newline")
            return
        }
        #expect(newline.contains("trailing newline"))
        guard case .malformed(let junk) = refusal(good + Array(" {\"x\":1}".utf8)) else {
            Issue.record("accepted trailing data")
            return
        }
        #expect(junk.contains("other data follow the signature"))
    }

    @Test("refuses a header that is not strict JSON, including duplicate names")
    func refusesBadHeaders() throws {
        let duplicate = Base64URL.encode(Array(#"{"alg":"EdDSA","alg":"none","kid":"police-test/ed","typ":"baton-message"}"#.utf8))
        guard case .malformed(let reason) = refusal(Array((duplicate + ".e30.AA").utf8)) else {
            Issue.record("accepted duplicate header names")
            return
        }
        #expect(reason.contains("duplicate"))
        let notObject = Base64URL.encode(Array("[1]".utf8))
        #expect(refusal(Array((notObject + ".e30.AA").utf8)) == .malformed("the header must be a JSON object"))
    }

    @Test("refuses a payload larger than the limit before decoding it")
    func refusesLargePayload() throws {
        let large = Array(repeating: UInt8(ascii: "a"), count: 5000)
        guard case .payloadTooLarge(let limit, let size) = refusal(try sign("police-test/ed", keys.edKey, payload: large)) else {
            Issue.record("accepted an oversized payload")
            return
        }
        #expect(limit == 4096)
        #expect(size == 5000)
    }
}

@Suite("Bearer tokens")
struct BearerTokenTests {
    let keys = TestKeys()

    func token(_ claims: JSONValue, kid: String = "police-test/ed", key: SigningKey? = nil, type: JWSType = .bearer) throws -> String {
        try CompactJWS.sign(payload: claims.serialized(), type: type, kid: kid, key: key ?? keys.edKey)
    }

    func claims(iat: Double = TestKeys.now.timeIntervalSince1970, lifetime: Double = 300, iss: String = "police-test", aud: JSONValue = "baton", jti: JSONValue? = "t-1") -> JSONValue {
        var object: JSONObject = ["iss": .string(iss), "aud": aud, "iat": .number(iat), "exp": .number(iat + lifetime)]
        if let jti { object["jti"] = jti }
        return .object(object)
    }

    func refusal(_ token: String, at now: Date = TestKeys.now) -> BearerTokenError? {
        do {
            _ = try keys.verifier.verifyBearer(token, at: now)
            return nil
        } catch {
            return error
        }
    }

    @Test("a well-formed token authenticates its agency")
    func accepts() throws {
        let identity = try keys.verifier.verifyBearer(try token(claims()), at: TestKeys.now + 10)
        #expect(identity.agency == keys.police)
        #expect(identity.tokenID == "t-1")
        #expect(try keys.verifier.verifyBearer(try token(claims(aud: ["other", "baton"])), at: TestKeys.now).agency == keys.police)
    }

    @Test("a signed message is never accepted as a bearer token")
    func refusesMessageAsToken() throws {
        #expect(refusal(try token(claims(), type: .message)) == .jws(.wrongType(expected: "JWT", found: "baton-message")))
    }

    @Test("claims are checked: issuer, audience, lifetime, expiry, id")
    func checksClaims() throws {
        #expect(refusal(try token(claims(iss: "school-test"))) == .claims("'iss' must be the agency that owns the signing key"))
        #expect(refusal(try token(claims(aud: "someone-else"))) == .claims("'aud' must be \"baton\""))
        #expect(refusal(try token(claims(lifetime: 301))) == .claims("'exp' may be at most 300 seconds after 'iat'"))
        #expect(refusal(try token(claims(jti: nil))) == .claims("'jti' (a unique token id) is required"))
        #expect(refusal(try token(claims()), at: TestKeys.now + 300 + JWSVerifier.expiryLeeway + 1) == .claims("the token has expired"))
        #expect(refusal(try token(claims(iat: TestKeys.now.timeIntervalSince1970 + 3600))) == .claims("'iat' is in the future by more than the allowed clock skew"))
        #expect(refusal(try token(.object(["iss": "police-test", "aud": "baton"]))) == .claims("'iat' (issued at, seconds since 1970) is required"))
    }

    @Test("token signatures get the same key checks as messages")
    func checksKeys() throws {
        #expect(refusal(try token(claims(), kid: "police-test/revoked", key: keys.revokedKey)) == .jws(.keyRevoked))
        #expect(refusal(try token(claims(), key: SigningKey.generate(.edDSA))) == .jws(.badSignature))
    }
}
