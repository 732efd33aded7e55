import BatonCore
import Foundation
import Yams

/// A public key registered for an agency.
public struct RegisteredKey: Sendable {
    public let agency: AgencyID
    /// The key's id within its agency (`nmp-2026-1`).
    public let kid: String
    public let publicKey: PublicKey
    public let notBefore: Date?
    public let notAfter: Date?
    public let revoked: Bool

    /// The id used in JWS headers: `<agency-id>/<key-id>`.
    public var qualifiedKid: String { "\(agency)/\(kid)" }

    public init(agency: AgencyID, kid: String, publicKey: PublicKey, notBefore: Date? = nil, notAfter: Date? = nil, revoked: Bool = false) {
        self.agency = agency
        self.kid = kid
        self.publicKey = publicKey
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.revoked = revoked
    }

    /// Nil if the key may sign at `now`, otherwise why not.
    public func unusableReason(at now: Date) -> JWSError? {
        if revoked { return .keyRevoked }
        if let notBefore, now < notBefore { return .keyNotYetValid(notBefore) }
        if let notAfter, now >= notAfter { return .keyExpired(notAfter) }
        return nil
    }
}

/// The agencies a hub knows and their public keys, read from `agencies/*.yaml` (PROTOCOL.md §1).
///
/// Loading is all-or-nothing: any problem in any file (an unknown field, a duplicate id or kid, a
/// private key, a malformed key) is reported with file, line and field, and nothing is loaded.
///
/// ```swift
/// let registry = try AgencyRegistry.load(directory: "agencies")
/// registry.key(qualifiedKid: "police-northmoor/nmp-2026-1")
/// ```
public struct AgencyRegistry: Sendable {
    public let agencies: [AgencyID: Agency]
    private let keys: [String: RegisteredKey]

    public init(agencies: [Agency], keys: [RegisteredKey]) {
        self.agencies = Dictionary(uniqueKeysWithValues: agencies.map { ($0.id, $0) })
        self.keys = Dictionary(uniqueKeysWithValues: keys.map { ($0.qualifiedKid, $0) })
    }

    public func agency(_ id: AgencyID) -> Agency? { agencies[id] }

    public func key(qualifiedKid: String) -> RegisteredKey? { keys[qualifiedKid] }

    public var allKeys: [RegisteredKey] { keys.values.sorted { $0.qualifiedKid < $1.qualifiedKid } }

    static let agencyFields: Set<String> = ["id", "type", "name", "codes", "keys", "endpoint", "escalation"]
    static let keyFields: Set<String> = ["kid", "jwk", "notBefore", "notAfter", "revoked"]
    static let codeNames: Set<String> = ["force", "la", "urn", "ods"]

    /// Loads every `*.yaml` / `*.yml` file in `directory`.
    public static func load(directory: String) throws(ConfigurationErrors) -> AgencyRegistry {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationErrors([ConfigurationError(file: directory, line: nil, field: "",
                problem: "the agency registry folder does not exist (set --agencies or BATON_AGENCIES)")])
        }
        let names = ((try? manager.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !names.isEmpty else {
            throw ConfigurationErrors([ConfigurationError(file: directory, line: nil, field: "",
                problem: "the agency registry folder has no .yaml files")])
        }
        var files: [(String, String)] = []
        var errors: [ConfigurationError] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                files.append((path, try String(contentsOfFile: path, encoding: .utf8)))
            } catch {
                errors.append(ConfigurationError(file: path, line: nil, field: "", problem: "cannot be read as UTF-8 text"))
            }
        }
        let registry: AgencyRegistry
        do { registry = try parse(files: files) } catch { throw ConfigurationErrors(errors + error.errors) }
        guard errors.isEmpty else { throw ConfigurationErrors(errors) }
        return registry
    }

    /// Parses registry files given as (path, text) pairs.
    public static func parse(files: [(path: String, text: String)]) throws(ConfigurationErrors) -> AgencyRegistry {
        var errors: [ConfigurationError] = []
        var agencies: [Agency] = []
        var keys: [RegisteredKey] = []
        var firstFileForID: [AgencyID: (String, Int?)] = [:]
        for (path, text) in files {
            var reader = YAMLReader(file: path)
            if let (agency, agencyKeys, line) = parseAgency(text, &reader) {
                if let (otherFile, otherLine) = firstFileForID[agency.id] {
                    reader.report(line, "id", "'\(agency.id)' is already used by \(otherFile)\(otherLine.map { ":\($0)" } ?? "")")
                } else {
                    firstFileForID[agency.id] = (path, line)
                    agencies.append(agency)
                    keys.append(contentsOf: agencyKeys)
                }
            }
            errors.append(contentsOf: reader.errors)
        }
        guard errors.isEmpty else { throw ConfigurationErrors(errors) }
        return AgencyRegistry(agencies: agencies, keys: keys)
    }

    static func parseAgency(_ text: String, _ reader: inout YAMLReader) -> (Agency, [RegisteredKey], Int?)? {
        let errorsBefore = reader.errors.count
        guard let root = reader.parse(text), let map = reader.mapping(root, field: "", allowed: agencyFields) else {
            return nil
        }
        let idText = reader.string(map, "id", required: true)
        let id = idText.flatMap(AgencyID.init(rawValue:))
        if idText != nil, id == nil {
            reader.report(map["id"]?.mark?.line, "id", "must be a slug of lower-case letters, digits and hyphens ([a-z0-9-])")
        }
        let typeText = reader.string(map, "type", required: true)
        let type = typeText.flatMap(AgencyType.init(rawValue:))
        if typeText != nil, type == nil {
            reader.report(map["type"]?.mark?.line, "type", "must be one of: \(AgencyType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let name = reader.string(map, "name", required: true)
        let codes = reader.stringMap(map, "codes", allowed: codeNames)
        switch type {
        case .school where codes["urn"] == nil:
            reader.report(map.line, "codes.urn", "a school needs its unique reference number (URN) so children's records can be routed to it")
        case .socialCare where codes["la"] == nil:
            reader.report(map.line, "codes.la", "children's social care needs its local authority code")
        default: break
        }
        if let urn = codes["urn"], !(6...7).contains(urn.count) || !urn.allSatisfy({ $0.isASCII && $0.isNumber }) {
            reader.report(map["codes"]?.mark?.line, "codes.urn", "must be 6 or 7 digits")
        }

        var endpoint: URL?
        if let text = reader.string(map, "endpoint") {
            endpoint = URL(string: text)
            let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(endpoint?.host ?? "")
            if endpoint?.host == nil || !(endpoint?.scheme == "https" || (endpoint?.scheme == "http" && loopback)) {
                reader.report(map["endpoint"]?.mark?.line, "endpoint", "must be an https:// URL (http:// only to a loopback address, for testing)")
                endpoint = nil
            }
        }

        var escalation: [EscalationStep] = []
        for (node, field) in reader.sequence(map, "escalation") {
            guard let step = reader.mapping(node, field: field, allowed: ["level", "role", "email"]) else { continue }
            let level = reader.integer(step, "level", required: true)
            let role = reader.string(step, "role", required: true)
            let email = reader.string(step, "email", required: true)
            if let email, !email.contains("@") { reader.report(step["email"]?.mark?.line, step.path("email"), "must be an e-mail address") }
            if let level {
                if level < 1 { reader.report(step["level"]?.mark?.line, step.path("level"), "must be 1 or more") }
                if let last = escalation.last, level <= last.level {
                    reader.report(step["level"]?.mark?.line, step.path("level"), "levels must increase down the ladder")
                }
            }
            if let level, let role, let email { escalation.append(EscalationStep(level: level, role: role, email: email)) }
        }

        var keys: [RegisteredKey] = []
        var kids: Set<String> = []
        let keyNodes = reader.sequence(map, "keys", required: true)
        if map["keys"]?.sequence?.isEmpty == true { reader.report(map["keys"]?.mark?.line, "keys", "must list at least one public key") }
        for (node, field) in keyNodes {
            guard let keyMap = reader.mapping(node, field: field, allowed: keyFields) else { continue }
            let kid = reader.string(keyMap, "kid", required: true)
            if let kid {
                if !isValidKid(kid) {
                    reader.report(keyMap["kid"]?.mark?.line, keyMap.path("kid"), "must be 1–64 letters, digits, '.', '_' or '-'")
                } else if !kids.insert(kid).inserted {
                    reader.report(keyMap["kid"]?.mark?.line, keyMap.path("kid"), "'\(kid)' is used by another key of this agency")
                }
            }
            var publicKey: PublicKey?
            if let jwkMap = reader.mapping(keyMap, "jwk", allowed: JWK.publicMembers.union(["d"]), required: true) {
                var members: [String: String] = [:]
                for (keyNode, _) in jwkMap.node {
                    if let name = keyNode.scalar?.string, let value = reader.string(jwkMap, name) { members[name] = value }
                }
                do {
                    publicKey = try JWK.publicKey(members)
                } catch {
                    reader.report(jwkMap[error.member]?.mark?.line ?? jwkMap.line, jwkMap.path(error.member), error.problem)
                }
            }
            let notBefore = reader.instant(keyMap, "notBefore")
            let notAfter = reader.instant(keyMap, "notAfter")
            if let notBefore, let notAfter, notAfter <= notBefore {
                reader.report(keyMap["notAfter"]?.mark?.line, keyMap.path("notAfter"), "must be later than notBefore")
            }
            let revoked = reader.bool(keyMap, "revoked") ?? false
            if let id, let kid, let publicKey {
                keys.append(RegisteredKey(agency: id, kid: kid, publicKey: publicKey, notBefore: notBefore, notAfter: notAfter, revoked: revoked))
            }
        }
        guard reader.errors.count == errorsBefore, let id, let type, let name else { return nil }
        let agency = Agency(id: id, type: type, name: name, codes: codes, endpoint: endpoint, escalation: escalation)
        return (agency, keys, map["id"]?.mark?.line)
    }

    static func isValidKid(_ kid: String) -> Bool {
        (1...64).contains(kid.utf8.count)
            && kid.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }
}
