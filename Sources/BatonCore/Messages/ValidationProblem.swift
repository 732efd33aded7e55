/// One thing wrong with a message, at a JSON Pointer into its payload.
///
/// Problems describe the field and the rule, never the value sent, so they can be returned to the
/// sender and logged without repeating personal data.
public struct ValidationProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pointer: String
    public var problem: String

    public init(pointer: JSONPointer, problem: String) {
        self.pointer = pointer.description
        self.problem = problem
    }

    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(problem)" }
}

/// Why a payload was refused.
public struct MessageRejection: Error, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The payload breaks the protocol's rules.
        case invalid
        /// A kind the protocol defines but this hub does not handle yet.
        case kindNotSupported(MessageKind)
    }

    public var reason: Reason
    public var problems: [ValidationProblem]

    public init(reason: Reason, problems: [ValidationProblem]) {
        self.reason = reason
        self.problems = problems
    }
}
