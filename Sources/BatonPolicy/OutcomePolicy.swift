import BatonCore
import Foundation
import Yams

/// One outcome code of `policies/outcomes.yaml`.
public struct OutcomeCode: Sendable, Hashable {
    public enum SignOff: Sendable, Hashable {
        case never
        case always
        case riskAtLeast(RiskLevel)
    }

    public enum ReferrerView: String, Sendable, Hashable, CaseIterable {
        case code
        case codeAndRationale = "code-and-rationale"
    }

    public var code: String
    public var description: String
    public var signOff: SignOff
    public var tellReferrer: ReferrerView
    /// The code passes the work to another agency, which the outcome names.
    public var transfer: Bool

    /// Whether recording this outcome on an item whose referral carried `risk` needs sign-off.
    public func needsSignOff(risk: RiskLevel?) -> Bool {
        switch signOff {
        case .never: false
        case .always: true
        case .riskAtLeast(let level): (risk ?? .low) >= level
        }
    }
}

/// `policies/outcomes.yaml`.
public struct OutcomePolicy: Sendable {
    public var codes: [String: OutcomeCode]

    public init(codes: [String: OutcomeCode]) { self.codes = codes }

    public subscript(code: String) -> OutcomeCode? { codes[code] }

    public var sortedCodes: [String] { codes.keys.sorted() }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> OutcomePolicy {
        guard let node = root["codes"], let mapping = node.mapping else {
            reader.report(root.line, "codes", "is required: a mapping from outcome code to its rules")
            return OutcomePolicy(codes: [:])
        }
        var codes: [String: OutcomeCode] = [:]
        for (keyNode, value) in mapping {
            guard let code = keyNode.scalar?.string else { continue }
            let field = "codes.\(code)"
            guard PolicyName.isValid(code) else {
                reader.report(keyNode.mark?.line, field, "codes are lower-case words joined by hyphens")
                continue
            }
            guard let entry = reader.mapping(value, field: field, allowed: ["description", "signOff", "tellReferrer", "transfer"]) else { continue }
            let description = reader.string(entry, "description", required: true) ?? ""
            var signOff = OutcomeCode.SignOff.never
            if let signOffNode = entry["signOff"] {
                if let text = signOffNode.scalar?.string {
                    switch text {
                    case "never": signOff = .never
                    case "always": signOff = .always
                    default: reader.report(signOffNode.mark?.line, entry.path("signOff"), "must be never, always or { riskAtLeast: <level> }")
                    }
                } else if let map = reader.mapping(signOffNode, field: entry.path("signOff"), allowed: ["riskAtLeast"]),
                    let levels = reader.vocabulary(map, "riskAtLeast", as: RiskLevel.self), let level = levels.first
                {
                    signOff = .riskAtLeast(level)
                }
            }
            var view = OutcomeCode.ReferrerView.code
            if let text = reader.string(entry, "tellReferrer") {
                if let parsed = OutcomeCode.ReferrerView(rawValue: text) { view = parsed } else {
                    reader.report(entry["tellReferrer"]?.mark?.line, entry.path("tellReferrer"), "must be code or code-and-rationale")
                }
            }
            let transfer = reader.bool(entry, "transfer") ?? false
            codes[code] = OutcomeCode(code: code, description: description, signOff: signOff, tellReferrer: view, transfer: transfer)
        }
        if !codes.values.contains(where: \.transfer) {
            reader.report(root.line, "codes", "one code must have transfer: true (the MASH uses it to re-route triaged work)")
        }
        return OutcomePolicy(codes: codes)
    }
}

/// `policies/areas.yaml`: which local authority a postcode district belongs to.
public struct AreaPolicy: Sendable {
    public struct Authority: Sendable, Hashable {
        public var code: String
        public var name: String
        public var districts: [String]
    }

    public var authorities: [String: Authority]
    private var byDistrict: [String: String]

    public init(authorities: [Authority]) {
        self.authorities = Dictionary(uniqueKeysWithValues: authorities.map { ($0.code, $0) })
        var byDistrict: [String: String] = [:]
        for authority in authorities { for district in authority.districts { byDistrict[district] = authority.code } }
        self.byDistrict = byDistrict
    }

    /// The local authority code for a normalised postcode (`NM4 7RD` → `995`).
    public func authority(forPostcode postcode: String) -> String? {
        guard let district = postcode.split(separator: " ").first else { return nil }
        return byDistrict[String(district)]
    }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> AreaPolicy {
        guard let node = root["localAuthorities"], let mapping = node.mapping else {
            reader.report(root.line, "localAuthorities", "is required: a mapping from local authority code to its postcode districts")
            return AreaPolicy(authorities: [])
        }
        var authorities: [Authority] = []
        var seen: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard let code = keyNode.scalar?.string else { continue }
            let field = "localAuthorities.\(code)"
            guard let entry = reader.mapping(value, field: field, allowed: ["name", "postcodeDistricts"]) else { continue }
            let name = reader.string(entry, "name", required: true) ?? code
            var districts: [String] = []
            for (districtNode, districtField) in reader.sequence(entry, "postcodeDistricts", required: true) {
                guard let text = districtNode.scalar?.string, isDistrict(text) else {
                    reader.report(districtNode.mark?.line, districtField, "must be a postcode district such as NM4 (the part before the space)")
                    continue
                }
                if let other = seen[text] {
                    reader.report(districtNode.mark?.line, districtField, "\(text) is already in authority \(other)")
                    continue
                }
                seen[text] = code
                districts.append(text)
            }
            authorities.append(Authority(code: code, name: name, districts: districts))
        }
        return AreaPolicy(authorities: authorities)
    }

    static func isDistrict(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...4).contains(bytes.count), let first = bytes.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else { return false }
        return bytes.allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }
}
