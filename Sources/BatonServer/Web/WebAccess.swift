import BatonCore
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOPosix

/// Signing in and out of the web UI, sessions and CSRF.
///
/// - Passwords are kept as bcrypt hashes (hummingbird-auth); a failed sign-in counts against the
///   account, and `maxFailedSignIns` in a row lock it for `lockout`.
/// - A session is a random token in a `__Host-` cookie (Secure, HttpOnly, SameSite=Lax, Path=/);
///   the store keeps only its SHA-256. It ends after `idleTimeout` without a request, after
///   `maxAge` in any case, when the person signs out, and when the account is disabled or reset.
/// - Every form carries the session's CSRF token, checked before anything else; the sign-in form,
///   which has no session yet, carries a token that must equal a short-lived cookie's.
/// - Signing in with OpenID Connect is the production path (docs/web-ui.md): an identity provider
///   would replace `signIn` and create the same ``WebSession``; everything after it is unchanged.
struct WebAccess: Sendable {
    static let sessionCookie = "__Host-baton-session"
    static let signInCookie = "__Host-baton-sign-in"

    let hub: BatonHub
    var settings: WebSettings { hub.configuration.web }

    /// A signed-in person.
    struct Principal: Sendable {
        var user: WebUser
        var session: WebSession

        /// The person as the actor of what they do (items' history, the audit log).
        var actor: Actor { .person(user.agency, name: user.displayName, role: user.role.rawValue, user: user.username) }
    }

    enum Authentication: Sendable {
        case signedIn(Principal)
        case none
        /// The session ended (idle, too old, account disabled): sign in again.
        case expired
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func setCookie(_ name: String, _ value: String, maxAge: Int?) -> HTTPField {
        var text = "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Lax"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        return HTTPField(name: .setCookie, value: text)
    }

    func authenticate(_ request: Request) async throws -> Authentication {
        guard let token = Self.cookie(request, Self.sessionCookie) else { return .none }
        let id = Digest.sha256Hex(Array(token.utf8))
        let found = try await hub.store.read { reader -> (WebSession, WebUser?)? in
            guard let session = try reader.session(id) else { return nil }
            return (session, try reader.user(session.username))
        }
        guard let (session, user) = found else { return .expired }
        let now = hub.clock.now()
        guard let user, !user.disabled, now.timeIntervalSince(session.lastSeenAt) <= settings.idleTimeout,
            now.timeIntervalSince(session.createdAt) <= settings.maxAge
        else {
            try await hub.store.write { try $0.apply(.endSession(id: id)) }
            return .expired
        }
        var current = session
        // The idle clock restarts at most every 30 seconds (one write, not one per request).
        if now.timeIntervalSince(session.lastSeenAt) > 30 {
            current.lastSeenAt = now
            let touched = current
            try await hub.store.write { try $0.apply(.saveSession(touched)) }
        }
        return .signedIn(Principal(user: user, session: current))
    }

    enum SignInResult: Sendable {
        case signedIn(Principal, token: String)
        case refused(String)
    }

    /// Checks a username and password; on success starts a session.
    func signIn(username rawName: String, password: String) async throws -> SignInResult {
        let username = rawName.lowercased()
        let now = hub.clock.now()
        let generic = "The username or password is not right. Check them and try again."
        guard WebUser.isValidUsername(username), let user = try await hub.store.read({ try $0.user(username) }) else {
            // The same work as a real check, so timing does not tell which usernames exist.
            _ = await Self.verify(password, hash: Self.dummyHash)
            let attempted = Digest.sha256Hex(Array(username.utf8))
            try await hub.store.write { try $0.apply(.event("account.sign-in-unknown", ["usernameSha256": .string(attempted)])) }
            hub.logger.notice("web sign-in refused", metadata: ["reason": "unknown-account"])
            return .refused(generic)
        }
        if let locked = user.lockedUntil, locked > now {
            hub.logger.notice("web sign-in refused", metadata: ["reason": "locked", "user": "\(user.username)"])
            return .refused("This account is locked after \(settings.maxFailedSignIns) failed sign-ins. Try again after \(WebText.dateTime(locked)), or ask your administrator to reset your password.")
        }
        if user.disabled {
            _ = await Self.verify(password, hash: Self.dummyHash)
            hub.logger.notice("web sign-in refused", metadata: ["reason": "disabled", "user": "\(user.username)"])
            return .refused("This account is disabled. Ask your administrator.")
        }
        guard await Self.verify(password, hash: user.passwordHash) else {
            var failed = user
            failed.failedSignIns += 1
            var change = "sign-in-failed"
            if failed.failedSignIns >= settings.maxFailedSignIns {
                failed.lockedUntil = now.addingTimeInterval(settings.lockout)
                failed.failedSignIns = 0
                change = "locked"
            }
            let record = failed
            let recorded = change
            try await hub.store.write { transaction in
                try transaction.apply(.saveUser(record, change: recorded))
                if recorded == "locked" { try transaction.apply(.endSessions(username: record.username)) }
            }
            hub.logger.notice("web sign-in refused", metadata: ["reason": "\(change)", "user": "\(user.username)"])
            if change == "locked" {
                return .refused("This account is now locked after \(settings.maxFailedSignIns) failed sign-ins. Try again after \(WebText.dateTime(record.lockedUntil ?? now)), or ask your administrator to reset your password.")
            }
            return .refused(generic)
        }
        var signedIn = user
        signedIn.failedSignIns = 0
        signedIn.lockedUntil = nil
        let token = WebRandom.token()
        let session = WebSession(id: Digest.sha256Hex(Array(token.utf8)), username: user.username, csrfToken: WebRandom.token(), createdAt: now, lastSeenAt: now)
        let record = signedIn
        try await hub.store.write { transaction in
            try transaction.apply(.saveUser(record, change: "signed-in"))
            try transaction.apply(.saveSession(session))
        }
        hub.logger.info("web sign-in", metadata: ["user": "\(user.username)", "agency": "\(user.agency)", "role": "\(user.role.rawValue)"])
        return .signedIn(Principal(user: signedIn, session: session), token: token)
    }

    func signOut(_ principal: Principal) async throws {
        let id = principal.session.id
        try await hub.store.write { transaction in
            try transaction.apply(.endSession(id: id))
            try transaction.apply(.event("account.signed-out", ["user": .string(principal.user.username)]))
        }
    }

    /// bcrypt on NIO's blocking thread pool, not on an event loop (it is deliberately slow).
    static func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }

    /// At the cost `baton users` uses by default, so an unknown name takes as long as a known one.
    static let dummyHash = Bcrypt.hash("this is not anyone's password", cost: 12)

    /// Passwords: at least 12 characters and not all one character (NCSC: length over complexity).
    static func passwordProblem(_ password: String) -> String? {
        if password.count < 12 { return "must be at least 12 characters" }
        if password.count > 72 { return "must be at most 72 characters (bcrypt reads no further)" }
        if Set(password).count < 4 { return "is too easy to guess" }
        return nil
    }
}

/// How the web UI treats sessions and sign-ins (`baton serve` flags; docs/web-ui.md).
public struct WebSettings: Sendable {
    /// A session ends after this long without a request.
    public var idleTimeout: TimeInterval = 15 * 60
    /// A session ends this long after sign-in, however active.
    public var maxAge: TimeInterval = 12 * 3600
    /// Failed sign-ins in a row that lock an account.
    public var maxFailedSignIns = 5
    /// How long a locked account stays locked (an administrator's reset unlocks it at once).
    public var lockout: TimeInterval = 15 * 60

    public init() {}
}
