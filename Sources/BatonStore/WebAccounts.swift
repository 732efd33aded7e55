import BatonCore
import Foundation

/// A person who signs in to the web UI: a designated safeguarding lead, a MASH social worker or
/// manager, an auditor or an administrator, working for one agency in one role. Created and
/// managed with `baton users add|disable|reset`; the password is kept only as a bcrypt hash.
public struct WebUser: Sendable, Hashable, Codable {
    /// The sign-in name (lower case), unique across the hub.
    public var username: String
    /// The name shown on pages and recorded as an item's actor (a professional, not a child).
    public var displayName: String
    public var agency: AgencyID
    public var role: StaffRole
    /// bcrypt (`$2b$…`); never logged, never in the audit log.
    public var passwordHash: String
    public var disabled: Bool
    /// Failed sign-ins since the last success; at the limit the account locks for a while.
    public var failedSignIns: Int
    public var lockedUntil: Date?
    public var createdAt: Date
    public var passwordChangedAt: Date

    public init(
        username: String, displayName: String, agency: AgencyID, role: StaffRole, passwordHash: String, disabled: Bool = false,
        failedSignIns: Int = 0, lockedUntil: Date? = nil, createdAt: Date, passwordChangedAt: Date? = nil
    ) {
        self.username = username
        self.displayName = displayName
        self.agency = agency
        self.role = role
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.failedSignIns = failedSignIns
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.passwordChangedAt = passwordChangedAt ?? createdAt
    }

    /// Lower-case letters, digits, `.`, `-` and `_`, 2–64 characters.
    public static func isValidUsername(_ text: String) -> Bool {
        (2...64).contains(text.count) && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_"
        }
    }
}

/// A signed-in browser. The cookie holds a random token; the store keeps only its SHA-256, so a
/// copy of the database does not let anyone take over a session.
public struct WebSession: Sendable, Hashable, Codable {
    /// SHA-256 (hex) of the cookie's token.
    public var id: String
    public var username: String
    /// The token every form of this session carries (CSRF).
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date

    public init(id: String, username: String, csrfToken: String, createdAt: Date, lastSeenAt: Date) {
        self.id = id
        self.username = username
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}
