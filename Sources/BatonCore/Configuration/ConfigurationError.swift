/// A problem in a configuration file (agency registry, policies), naming the file, the line and
/// the field so an operator can fix it without reading code.
///
/// `agencies/police-northmoor.yaml:14: keys[0].jwk.d: a private key must never be in the registry`
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var field: String
    public var problem: String

    public init(file: String, line: Int?, field: String, problem: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(location): \(problem)" : "\(location): \(field): \(problem)"
    }
}

/// Every problem found in a set of configuration files; loading stops the server rather than
/// half-loading, and reports all problems at once.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigurationError]

    public init(_ errors: [ConfigurationError]) { self.errors = errors }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
