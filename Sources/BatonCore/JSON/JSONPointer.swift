/// An RFC 6901 JSON Pointer, used to say exactly where in a message a problem is
/// (`/subjects/0/dateOfBirth`).
///
/// Stored as its escaped text: validation builds pointers for every field it reads, so appending
/// must be cheap (one string append); the tokens are parsed only when asked for.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public private(set) var description: String

    public static let root = JSONPointer(escaped: "")

    init(escaped: String) { description = escaped }

    /// A pointer from its text, such as `/subjects/0/dateOfBirth` (already escaped).
    public init(stringLiteral value: String) { description = value }

    /// A pointer from unescaped tokens.
    public init(_ tokens: [String]) {
        description = ""
        for token in tokens { description += "/" + JSONPointer.escape(token) }
    }

    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer {
        JSONPointer(escaped: lhs.description + "/" + escape(rhs))
    }

    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer {
        JSONPointer(escaped: lhs.description + "/" + String(rhs))
    }

    /// The unescaped reference tokens.
    public var tokens: [String] {
        guard !description.isEmpty else { return [] }
        return description.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { token in
            guard token.contains("~") else { return String(token) }
            var result = ""
            var iterator = token.makeIterator()
            while let character = iterator.next() {
                if character == "~" {
                    switch iterator.next() {
                    case "0": result.append("~")
                    case "1": result.append("/")
                    case let other?: result.append("~"); result.append(other)
                    case nil: result.append("~")
                    }
                } else {
                    result.append(character)
                }
            }
            return result
        }
    }

    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var result = ""
        for character in token {
            switch character {
            case "~": result += "~0"
            case "/": result += "~1"
            default: result.append(character)
            }
        }
        return result
    }
}
