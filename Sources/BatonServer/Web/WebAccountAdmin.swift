import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import HummingbirdBcrypt

/// Creating and managing web UI accounts (`baton users`), on the hub's store: every change is an
/// entry in the audit log (account, agency, role; never the password or its hash).
public struct WebAccountAdmin: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case invalid(String)
        case notFound(String)
        case exists(String)

        public var description: String {
            switch self {
            case .invalid(let text), .notFound(let text), .exists(let text): text
            }
        }
    }

    let store: any HubStore
    let registry: AgencyRegistry
    let access: AccessPolicy
    let cost: UInt8
    let now: @Sendable () -> Date

    public init(store: any HubStore, registry: AgencyRegistry, access: AccessPolicy, cost: UInt8 = 12, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.registry = registry
        self.access = access
        self.cost = cost
        self.now = now
    }

    /// A password that meets the rules, or why it does not.
    public static func passwordProblem(_ password: String) -> String? { WebAccess.passwordProblem(password) }

    /// A random password: 24 characters of base64url (144 bits).
    public static func randomPassword() -> String { String(WebRandom.token().prefix(24)) }

    public func add(username raw: String, displayName: String, agency: String, role: String, password: String) async throws -> WebUser {
        let username = raw.lowercased()
        guard WebUser.isValidUsername(username) else {
            throw Failure.invalid("username '\(raw)': use 2–64 lower-case letters, digits, '.', '-' or '_'")
        }
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 120 else { throw Failure.invalid("--name: give the person's name as colleagues know it (at most 120 characters)") }
        guard let agencyID = AgencyID(rawValue: agency), registry.agency(agencyID) != nil else {
            throw Failure.invalid("--agency '\(agency)': not an agency in the registry (\(registry.agencies.keys.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        guard let staffRole = StaffRole(rawValue: role) else {
            throw Failure.invalid("--role '\(role)': must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard access.allows(agencyID, as: staffRole) else {
            throw Failure.invalid("--role \(role): policies/access.yaml does not allow \(agency) that role")
        }
        if let problem = Self.passwordProblem(password) { throw Failure.invalid("the password \(problem)") }
        let hash = Bcrypt.hash(password, cost: cost)
        let user = WebUser(username: username, displayName: name, agency: agencyID, role: staffRole, passwordHash: hash, createdAt: now())
        return try await store.write { transaction in
            if try transaction.user(username) != nil { throw Failure.exists("the account '\(username)' already exists (use 'baton users reset' to set a new password)") }
            try transaction.apply(.saveUser(user, change: "created"))
            return user
        }
    }

    /// Disables (or enables again) an account; disabling ends its sessions at once.
    public func setDisabled(_ raw: String, _ disabled: Bool) async throws -> WebUser {
        let username = raw.lowercased()
        return try await store.write { transaction in
            guard var user = try transaction.user(username) else { throw Failure.notFound("no account '\(username)'") }
            user.disabled = disabled
            try transaction.apply(.saveUser(user, change: disabled ? "disabled" : "enabled"))
            if disabled { try transaction.apply(.endSessions(username: username)) }
            return user
        }
    }

    /// Sets a new password, unlocks the account and ends its sessions.
    public func reset(_ raw: String, password: String) async throws -> WebUser {
        let username = raw.lowercased()
        if let problem = Self.passwordProblem(password) { throw Failure.invalid("the password \(problem)") }
        let hash = Bcrypt.hash(password, cost: cost)
        let at = now()
        return try await store.write { transaction in
            guard var user = try transaction.user(username) else { throw Failure.notFound("no account '\(username)'") }
            user.passwordHash = hash
            user.passwordChangedAt = at
            user.failedSignIns = 0
            user.lockedUntil = nil
            try transaction.apply(.saveUser(user, change: "password-reset"))
            try transaction.apply(.endSessions(username: username))
            return user
        }
    }

    public func list() async throws -> [WebUser] {
        try await store.read { try $0.users() }
    }
}
