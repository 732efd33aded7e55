import Foundation
import Yams

/// Walks a YAML document (parsed with Yams, keeping line marks) and collects precise
/// ``ConfigurationError``s: unknown fields, missing fields, wrong types.
///
/// ```swift
/// var reader = YAMLReader(file: "agencies/school.yaml")
/// guard let root = reader.parse(text), let map = reader.mapping(root, field: "", allowed: ["id", "name"]) else { ... }
/// let id = reader.string(map, "id", required: true)
/// ```
public struct YAMLReader {
    public let file: String
    public private(set) var errors: [ConfigurationError] = []

    public init(file: String) { self.file = file }

    /// A mapping node together with the field path that led to it (`keys[0].jwk`).
    public struct Mapping {
        public let node: Node.Mapping
        public let field: String
        public var line: Int? { node.mark?.line }

        public subscript(key: String) -> Node? {
            node.first { $0.key.scalar?.string == key }?.value
        }

        public func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }
    }

    public mutating func report(_ line: Int?, _ field: String, _ problem: String) {
        errors.append(ConfigurationError(file: file, line: line, field: field, problem: problem))
    }

    /// Parses `text`; a syntax error (including a duplicated key) is reported with its line.
    public mutating func parse(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(nil, "", "the file is empty")
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                report(mark.line, "", "YAML syntax: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                report(context.mark.line, "", "duplicated key(s): \(duplicates.joined(separator: ", "))")
            default:
                report(nil, "", "YAML: \(error)")
            }
            return nil
        } catch {
            report(nil, "", "YAML: \(error)")
            return nil
        }
    }

    /// `node` as a mapping, reporting a wrong type and every key not in `allowed`.
    public mutating func mapping(_ node: Node, field: String, allowed: Set<String>) -> Mapping? {
        guard let mapping = node.mapping else {
            report(node.mark?.line, field, "must be a mapping of fields")
            return nil
        }
        for (key, _) in mapping {
            guard let name = key.scalar?.string else {
                report(key.mark?.line, field, "field names must be plain text")
                continue
            }
            if !allowed.contains(name) {
                report(key.mark?.line, field.isEmpty ? name : "\(field).\(name)",
                    "unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        return Mapping(node: mapping, field: field)
    }

    public mutating func mapping(_ parent: Mapping, _ key: String, allowed: Set<String>, required: Bool = false) -> Mapping? {
        guard let node = parent[key] else {
            if required { report(parent.line, parent.path(key), "is required") }
            return nil
        }
        return mapping(node, field: parent.path(key), allowed: allowed)
    }

    public mutating func string(_ parent: Mapping, _ key: String, required: Bool = false) -> String? {
        guard let node = parent[key] else {
            if required { report(parent.line, parent.path(key), "is required") }
            return nil
        }
        guard let scalar = node.scalar else {
            report(node.mark?.line, parent.path(key), "must be a single value, not a list or mapping")
            return nil
        }
        if scalar.string.isEmpty, scalar.style == .plain {
            report(node.mark?.line, parent.path(key), "must not be empty")
            return nil
        }
        return scalar.string
    }

    public mutating func bool(_ parent: Mapping, _ key: String) -> Bool? {
        guard let text = string(parent, key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report(parent[key]?.mark?.line, parent.path(key), "must be true or false")
            return nil
        }
    }

    public mutating func integer(_ parent: Mapping, _ key: String, required: Bool = false) -> Int? {
        guard let text = string(parent, key, required: required) else { return nil }
        guard let value = Int(text) else {
            report(parent[key]?.mark?.line, parent.path(key), "must be a whole number")
            return nil
        }
        return value
    }

    /// An instant: an RFC 3339 date-time, or a date (`2026-01-01`, meaning midnight UTC).
    public mutating func instant(_ parent: Mapping, _ key: String) -> Date? {
        guard let text = string(parent, key) else { return nil }
        if let date = RFC3339.parse(text) { return date }
        if let day = CalendarDate(iso8601: text) { return Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400) }
        report(parent[key]?.mark?.line, parent.path(key), "must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z")
        return nil
    }

    /// The elements of a sequence, each with its field path (`keys[2]`).
    public mutating func sequence(_ parent: Mapping, _ key: String, required: Bool = false) -> [(node: Node, field: String)] {
        guard let node = parent[key] else {
            if required { report(parent.line, parent.path(key), "is required") }
            return []
        }
        guard let sequence = node.sequence else {
            report(node.mark?.line, parent.path(key), "must be a list")
            return []
        }
        return sequence.enumerated().map { ($0.element, "\(parent.path(key))[\($0.offset)]") }
    }

    /// A flat mapping of text to text (`codes: { urn: "990101" }`).
    public mutating func stringMap(_ parent: Mapping, _ key: String, allowed: Set<String>) -> [String: String] {
        guard let map = mapping(parent, key, allowed: allowed) else { return [:] }
        var result: [String: String] = [:]
        for (keyNode, _) in map.node {
            guard let name = keyNode.scalar?.string, allowed.contains(name), let value = string(map, name) else { continue }
            result[name] = value
        }
        return result
    }
}
