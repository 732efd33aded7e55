import Foundation

/// The hub's identifier for a person (a child or an adult): one person, one record, across every
/// agency. A UUID in lower case.
public struct PersonID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard rawValue.utf8.count == 36, let uuid = UUID(uuidString: rawValue) else { return nil }
        self.rawValue = uuid.uuidString.lowercased()
    }

    public init(_ uuid: UUID) { rawValue = uuid.uuidString.lowercased() }

    public var description: String { rawValue }
    public static func < (lhs: PersonID, rhs: PersonID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = PersonID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a person id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// How a mention in a message was linked to a person (the receipt's `match`).
public enum MatchOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Linked to a person the hub already knew.
    case linked
    /// A person the hub had not seen before.
    case new
    /// Uncertain: a person must decide (the mention is provisionally a new person).
    case review
}
