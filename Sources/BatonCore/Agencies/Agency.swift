import Foundation

/// An agency's registry identifier: a slug of lower-case letters, digits and hyphens
/// (`police-northmoor`).
public struct AgencyID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is a valid slug: 1–64 characters of `[a-z0-9-]`, not starting or
    /// ending with a hyphen.
    public init?(rawValue: String) {
        guard AgencyID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
    }

    public var description: String { rawValue }
    public static func < (lhs: AgencyID, rhs: AgencyID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = AgencyID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an agency id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The kinds of agency a hub knows (PROTOCOL.md §1).
public enum AgencyType: String, Sendable, Hashable, Codable, CaseIterable {
    case police
    case socialCare = "social-care"
    case school
    case health
    case other
}

/// One rung of an agency's escalation ladder: who is told, in order, when its items go overdue.
public struct EscalationStep: Sendable, Hashable, Codable {
    public var level: Int
    public var role: String
    public var email: String

    public init(level: Int, role: String, email: String) {
        self.level = level
        self.role = role
        self.email = email
    }
}

/// An agency registered with the hub: a police force, a local authority's children's social
/// care, a school, a health body.
public struct Agency: Sendable, Hashable {
    public var id: AgencyID
    public var type: AgencyType
    public var name: String
    /// Codes that tie the agency to national registers: `force`, `la`, `urn`, `ods`.
    public var codes: [String: String]
    /// Where items are pushed (webhooks); nil for pull-only agencies.
    public var endpoint: URL?
    public var escalation: [EscalationStep]

    public init(
        id: AgencyID, type: AgencyType, name: String, codes: [String: String] = [:], endpoint: URL? = nil,
        escalation: [EscalationStep] = []
    ) {
        self.id = id
        self.type = type
        self.name = name
        self.codes = codes
        self.endpoint = endpoint
        self.escalation = escalation
    }
}
