import Foundation

/// An RFC 6901 JSON Pointer, used to say exactly where in a message a problem is
/// (`/subjects/0/dateOfBirth`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public private(set) var tokens: [String]

    public init(_ tokens: [String] = []) { self.tokens = tokens }

    /// Parses a pointer such as `/subjects/0/dateOfBirth`.
    public init(stringLiteral value: String) {
        self.tokens = value.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    public static let root = JSONPointer()

    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer {
        var copy = lhs
        copy.tokens.append(rhs)
        return copy
    }

    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs / String(rhs) }

    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }
}
