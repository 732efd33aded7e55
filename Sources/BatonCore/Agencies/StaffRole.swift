/// The role of the person an agency's system acts for when it reads from the hub (the bearer
/// token's `role` claim) or, in the web UI, a person's account role. An agency is trusted to say
/// which of its people is reading, as it is trusted to name the professional who sent a message;
/// `policies/access.yaml` says which agencies may act in each role at all.
public enum StaffRole: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Works the agency's items: a designated safeguarding lead, a MASH social worker, a named nurse.
    /// A token without a `role` claim acts in this role.
    case lead
    /// Manages the MASH: signs off outcomes, sees loop health.
    case mashManager = "mash-manager"
    /// Checks that loops close and what was shared on what basis; reads decision records.
    case auditor
    /// Runs the hub: reloads the registry and the policies.
    case administrator

    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
