import Foundation

/// The hub's identifier for an item: a UUID in lower case.
public struct ItemID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `rawValue` is a UUID in its 8-4-4-4-12 hexadecimal form.
    public init?(rawValue: String) {
        guard rawValue.utf8.count == 36, let uuid = UUID(uuidString: rawValue) else { return nil }
        self.rawValue = uuid.uuidString.lowercased()
    }

    public init(_ uuid: UUID) { rawValue = uuid.uuidString.lowercased() }

    public var description: String { rawValue }
    public static func < (lhs: ItemID, rhs: ItemID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ItemID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an item id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Where new identifiers come from. Injected, like the clock, so tests and replays are
/// repeatable.
public protocol IdentifierSource: Sendable {
    func newUUID() -> UUID
}

/// Random (version 4) UUIDs.
public struct RandomIdentifiers: IdentifierSource {
    public init() {}
    public func newUUID() -> UUID { UUID() }
}
