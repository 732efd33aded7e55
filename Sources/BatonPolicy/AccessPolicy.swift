import BatonCore

/// `policies/access.yaml`: which agencies may act in which role.
///
/// Every read is by an agency, authenticated by a bearer token signed with its key. The token may
/// name the role of the person the agency's system reads for (`role` claim); a token without one
/// acts as a lead. Oversight functions need a role: full need-to-know decision records and the
/// policy versions behind them need `auditor`; reloading the registry and the policies needs
/// `administrator`. An agency not listed for a role may not act in it: its token is refused.
///
/// ```yaml
/// roles:
///   lead: { agencies: "*" }
///   auditor: { agencies: [northmoor-mash] }
/// ```
public struct AccessPolicy: Sendable {
    /// Who may act in a role: every registered agency, or those listed.
    public enum Holders: Sendable, Equatable {
        case everyAgency
        case agencies(Set<AgencyID>)
    }

    public var roles: [StaffRole: Holders]
    /// Where each role's `agencies` is written, for errors.
    var lines: [StaffRole: Int] = [:]

    public init(roles: [StaffRole: Holders] = [.lead: .everyAgency]) { self.roles = roles }

    /// Whether `agency` may act in `role`.
    public func allows(_ agency: AgencyID, as role: StaffRole) -> Bool {
        switch roles[role] {
        case .everyAgency: true
        case .agencies(let agencies): agencies.contains(agency)
        case nil: false
        }
    }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> AccessPolicy {
        var policy = AccessPolicy(roles: [:])
        guard let roles = reader.mapping(root, "roles", allowed: Set(StaffRole.allCases.map(\.rawValue)), required: true) else { return policy }
        for role in StaffRole.allCases {
            guard let entry = reader.mapping(roles, role.rawValue, allowed: ["description", "agencies"]) else { continue }
            _ = reader.string(entry, "description", required: true)
            policy.lines[role] = entry["agencies"]?.mark?.line ?? entry.line
            guard let texts = reader.strings(entry, "agencies") else {
                reader.report(entry.line, entry.path("agencies"), "is required: \"*\" for every agency, or a list of agency ids")
                continue
            }
            if texts == ["*"] {
                policy.roles[role] = .everyAgency
                continue
            }
            var agencies: Set<AgencyID> = []
            for text in texts {
                guard let id = AgencyID(rawValue: text) else {
                    reader.report(entry["agencies"]?.mark?.line, entry.path("agencies"), "'\(text)' is not an agency id (or \"*\" alone for every agency)")
                    continue
                }
                agencies.insert(id)
            }
            policy.roles[role] = .agencies(agencies)
        }
        return policy
    }

    func crossCheck(agencies: Set<AgencyID>, file: String) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        if roles[.lead] == nil {
            errors.append(ConfigurationError(file: file, line: nil, field: "roles.lead",
                problem: "is required: a token without a role acts as a lead, so leads must be defined (usually agencies: \"*\")"))
        }
        for (role, holders) in roles.sorted(by: { $0.key < $1.key }) {
            guard case .agencies(let listed) = holders else { continue }
            for agency in listed.subtracting(agencies).sorted() {
                errors.append(ConfigurationError(
                    file: file, line: lines[role], field: "roles.\(role.rawValue).agencies", problem: "'\(agency)' is not in the agency registry"))
            }
        }
        return errors
    }
}
