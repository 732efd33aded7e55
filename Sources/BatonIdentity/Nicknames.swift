import BatonCore
import Foundation

/// Given names that the same person goes by (Jon, Jonny, Jonathan), from
/// `policies/identity/nicknames.csv` (`name,group`; a name may be in several groups).
public struct Nicknames: Sendable {
    private var groups: [String: Set<String>]

    public init(groups: [String: Set<String>] = [:]) { self.groups = groups }

    /// Reads the CSV table. Errors name the line.
    public init(csv: String, source: String = "nicknames.csv") throws {
        var groups: [String: Set<String>] = [:]
        for (index, raw) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmed
            if line.isEmpty || line.hasPrefix("#") || (index == 0 && line.lowercased() == "name,group") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { Normalise.fold(String($0)) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty, !fields[0].contains(" ") else {
                throw ConfigurationError(file: source, line: index + 1, field: "", problem: "expected 'name,group' with one-word names")
            }
            groups[fields[0], default: []].insert(fields[1])
            groups[fields[1], default: []].insert(fields[1])
        }
        self.groups = groups
    }

    /// The groups a (folded) given name belongs to; a name in no group is its own.
    public func groups(of name: String) -> Set<String> {
        groups[name] ?? [name]
    }

    /// Whether two folded given names can be the same person's.
    public func equivalent(_ a: String, _ b: String) -> Bool {
        a == b || !groups(of: a).isDisjoint(with: groups(of: b))
    }

    /// A stable key for blocking: the alphabetically first group.
    public func key(of name: String) -> String {
        groups(of: name).min() ?? name
    }
}
