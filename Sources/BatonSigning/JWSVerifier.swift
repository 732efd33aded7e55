import BatonCore
import Foundation

/// A signed message whose signature verified against a registered, currently valid agency key.
public struct VerifiedJWS: Sendable {
    public let key: RegisteredKey
    public let jws: CompactJWS
    /// The decoded payload: the exact bytes the agency signed.
    public let payload: [UInt8]
}

/// The agency a bearer token authenticates (PROTOCOL.md §4).
public struct BearerIdentity: Sendable, Equatable {
    public let agency: AgencyID
    public let qualifiedKid: String
    public let tokenID: String
    public let expiresAt: Date
    /// The role of the person the agency's system reads for (`role` claim); nil acts as a lead.
    public let role: StaffRole?

    public init(agency: AgencyID, qualifiedKid: String, tokenID: String, expiresAt: Date, role: StaffRole? = nil) {
        self.agency = agency
        self.qualifiedKid = qualifiedKid
        self.tokenID = tokenID
        self.expiresAt = expiresAt
        self.role = role
    }
}

public enum BearerTokenError: Error, Sendable, Equatable {
    case missing
    case jws(JWSError)
    case claims(String)

    public var detail: String {
        switch self {
        case .missing: "Reads need 'Authorization: Bearer <JWT>' signed with one of your agency's registered keys."
        case .jws(let error): error.detail
        case .claims(let problem): "The bearer token's claims are not acceptable: \(problem)."
        }
    }
}

/// Checks signatures against the agency registry: the algorithm allow-list, the key id, the key's
/// validity window and revocation, the `typ` that keeps messages and tokens apart, and the
/// signature itself.
public struct JWSVerifier: Sendable {
    public let registry: AgencyRegistry
    public let maxPayloadBytes: Int
    /// How far a bearer token's `iat` may be ahead of the hub's clock.
    public let clockSkew: TimeInterval
    /// Longest bearer token lifetime (`exp - iat`).
    public static let maximumTokenLifetime: TimeInterval = 300
    /// Grace after `exp` for clocks that disagree slightly.
    public static let expiryLeeway: TimeInterval = 60

    public init(registry: AgencyRegistry, maxPayloadBytes: Int = 256 * 1024, clockSkew: TimeInterval = 300) {
        self.registry = registry
        self.maxPayloadBytes = maxPayloadBytes
        self.clockSkew = clockSkew
    }

    /// Verifies a signed message (`typ: baton-message`) and returns its payload bytes.
    public func verifyMessage(_ bytes: [UInt8], at now: Date) throws(JWSError) -> VerifiedJWS {
        let jws = try CompactJWS.parse(bytes, maxPayloadBytes: maxPayloadBytes)
        let key = try verify(jws, as: .message, at: now)
        return VerifiedJWS(key: key, jws: jws, payload: try jws.payload())
    }

    /// Verifies a bearer JWT (`typ: JWT`) and its claims.
    public func verifyBearer(_ token: String, at now: Date) throws(BearerTokenError) -> BearerIdentity {
        let verified: VerifiedJWS
        do {
            let jws = try CompactJWS.parse(Array(token.utf8), maxPayloadBytes: 8 * 1024)
            let key = try verify(jws, as: .bearer, at: now)
            verified = VerifiedJWS(key: key, jws: jws, payload: try jws.payload())
        } catch {
            throw .jws(error)
        }
        guard let claims = (try? StrictJSON.parse(verified.payload))?.objectValue else {
            throw .claims("the payload is not a JSON object")
        }
        guard let iss = claims["iss"]?.stringValue else { throw .claims("'iss' (your agency id) is required") }
        guard iss == verified.key.agency.rawValue else {
            throw .claims("'iss' must be the agency that owns the signing key")
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let audience): audiences = [audience]
        case .array(let values): audiences = values.compactMap(\.stringValue)
        default: audiences = []
        }
        guard audiences.contains("baton") else { throw .claims("'aud' must be \"baton\"") }
        guard let iat = claims["iat"]?.numberValue else { throw .claims("'iat' (issued at, seconds since 1970) is required") }
        guard let exp = claims["exp"]?.numberValue else { throw .claims("'exp' (expiry, seconds since 1970) is required") }
        let nowSeconds = now.timeIntervalSince1970
        guard iat <= nowSeconds + clockSkew else { throw .claims("'iat' is in the future by more than the allowed clock skew") }
        guard exp > iat else { throw .claims("'exp' must be after 'iat'") }
        guard exp - iat <= Self.maximumTokenLifetime else { throw .claims("'exp' may be at most 300 seconds after 'iat'") }
        guard nowSeconds < exp + Self.expiryLeeway else { throw .claims("the token has expired") }
        if let nbf = claims["nbf"]?.numberValue, nbf > nowSeconds + clockSkew {
            throw .claims("'nbf' is in the future")
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty else { throw .claims("'jti' (a unique token id) is required") }
        var role: StaffRole?
        if let claim = claims["role"] {
            guard let text = claim.stringValue, let named = StaffRole(rawValue: text) else {
                throw .claims("'role' must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            role = named
        }
        return BearerIdentity(
            agency: verified.key.agency, qualifiedKid: verified.key.qualifiedKid, tokenID: jti,
            expiresAt: Date(timeIntervalSince1970: exp), role: role)
    }

    /// Finds the registered key named by `kid` and checks type, validity and signature.
    public func verify(_ jws: CompactJWS, as type: JWSType, at now: Date) throws(JWSError) -> RegisteredKey {
        guard type.matches(jws.header.typ) else { throw .wrongType(expected: type.rawValue, found: jws.header.typ) }
        guard let kid = jws.header.kid else {
            throw .unknownKey("The JWS header has no 'kid'; name the signing key as <agency-id>/<key-id>.")
        }
        guard let key = registry.key(qualifiedKid: kid) else {
            let shape = kid.split(separator: "/").count == 2 && AgencyID(rawValue: String(kid.split(separator: "/")[0])) != nil
            throw .unknownKey(shape
                ? "No registered key has the id '\(JWSError.printable(kid))'."
                : "The JWS header 'kid' must be <agency-id>/<key-id>.")
        }
        if let reason = key.unusableReason(at: now) { throw reason }
        guard jws.header.alg == key.publicKey.algorithm.rawValue else {
            throw .algorithmMismatch(header: jws.header.alg, key: key.publicKey.algorithm.rawValue)
        }
        guard key.publicKey.isValidSignature(jws.signature, for: jws.signingInput) else { throw .badSignature }
        return key
    }
}
