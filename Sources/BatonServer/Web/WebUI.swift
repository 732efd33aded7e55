import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The web UI (docs/web-ui.md): pages rendered on the server for safeguarding leads, MASH staff,
/// auditors and administrators. Everything a person does here goes through the code the API
/// uses: a reply is built as the payload their agency's system would sign and decided by
/// ``IntakeService/act(_:as:user:)``; reads build the same views and write the same access
/// entries (channel `ui`, with the account).
struct WebUI: Sendable {
    let hub: BatonHub
    var access: WebAccess { WebAccess(hub: hub) }
    var renderer: WebRenderer { .shared }

    typealias Principal = WebAccess.Principal

    func register(on router: Router<BasicRequestContext>) {
        router.get("/ui") { request, _ in
            await page(request) { principal, _ in .redirect(principal.user.role == .auditor || principal.user.role == .administrator ? "/ui/loop-health" : "/ui/inbox") }
        }
        router.get("/ui/static/baton.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: .init(string: WebRenderer.shared.css)))
        }
        router.get("/ui/sign-in") { request, _ in signInPage(request) }
        router.post("/ui/sign-in") { request, _ in await signIn(request) }
        router.post("/ui/sign-out") { request, _ in
            await page(request) { principal, _ in
                try await access.signOut(principal)
                return .redirect("/ui/sign-in?signedOut=1", headers: HTTPFields([WebAccess.setCookie(WebAccess.sessionCookie, "", maxAge: 0)]))
            }
        }
        let work: Set<StaffRole> = [.lead, .mashManager]
        router.get("/ui/inbox") { request, _ in await page(request, roles: work) { principal, _ in try await inbox(request, principal) } }
        router.get("/ui/items/:itemId") { request, context in
            await page(request, roles: work) { principal, _ in
                try await item(context.parameters.get("itemId") ?? "", principal, done: request.uri.queryParameters["done"].map(String.init))
            }
        }
        router.post("/ui/items/:itemId/:action") { request, context in
            await page(request, roles: work) { principal, form in
                try await act(context.parameters.get("itemId") ?? "", action: context.parameters.get("action") ?? "", form: form ?? WebForm(""), principal)
            }
        }
        router.get("/ui/children/:personId") { request, context in
            await page(request, roles: work) { principal, _ in try await child(context.parameters.get("personId") ?? "", principal) }
        }
        router.get("/ui/reviews") { request, _ in await page(request, roles: work) { principal, _ in try await reviews(principal) } }
        router.get("/ui/reviews/:reviewId") { request, context in
            await page(request, roles: work) { principal, _ in try await review(context.parameters.get("reviewId") ?? "", principal) }
        }
        router.post("/ui/reviews/:reviewId") { request, context in
            await page(request, roles: work) { principal, form in
                try await decideReview(context.parameters.get("reviewId") ?? "", form: form ?? WebForm(""), principal)
            }
        }
        router.get("/ui/discussions") { request, _ in await page(request, roles: work) { principal, _ in try await discussions(principal) } }
        router.get("/ui/sent") { request, _ in await page(request, roles: work) { principal, _ in try await sent(request, principal) } }
        router.get("/ui/sent/:messageId") { request, context in
            await page(request, roles: work) { principal, _ in try await sentMessage(context.parameters.get("messageId") ?? "", principal) }
        }
        registerOversight(on: router)
    }

    // MARK: - Page plumbing

    /// Runs `body` for a signed-in person with one of `roles` (any role when nil), after checking
    /// a form's CSRF token; failures become error pages, never stack traces or personal data.
    func page(
        _ request: Request, roles: Set<StaffRole>? = nil, _ body: @escaping @Sendable (Principal, WebForm?) async throws -> Response
    ) async -> Response {
        var principal: Principal?
        do {
            let authentication = try await access.authenticate(request)
            switch authentication {
            case .signedIn(let signedIn):
                principal = signedIn
            case .none, .expired:
                // A form posted without a session is not replayed after signing in.
                if request.method != .get { return .redirect("/ui/sign-in") }
                if case .expired = authentication {
                    return .redirect("/ui/sign-in?expired=1&next=\(Self.nextParameter(request))",
                        headers: HTTPFields([WebAccess.setCookie(WebAccess.sessionCookie, "", maxAge: 0)]))
                }
                return .redirect("/ui/sign-in?next=\(Self.nextParameter(request))")
            }
            guard let principal else { return .redirect("/ui/sign-in") }
            var form: WebForm?
            if request.method == .post {
                let posted = try await WebForm.read(request)
                guard let token = posted["csrf"], WebRandom.equal(token, principal.session.csrfToken) else {
                    hub.logger.notice("web form refused", metadata: ["reason": "csrf", "user": "\(principal.user.username)"])
                    throw WebFailure(status: .forbidden, title: "This form has expired",
                        message: "The form was not sent from this session, so nothing was changed. Go back, reload the page and try again.")
                }
                form = posted
            }
            if let roles, !roles.contains(principal.user.role) { throw WebFailure.forbidden }
            return try await body(principal, form)
        } catch let failure as WebFailure {
            return errorPage(failure, principal)
        } catch let problem as Problem {
            let failure = switch problem.status {
            case .notFound, .forbidden: WebFailure.notFound
            case .serviceUnavailable: WebFailure(status: .serviceUnavailable, title: "Sorry, there is a problem with the service", message: "Nothing was changed. Try again in a few minutes.")
            default: WebFailure(status: problem.status, title: "Something could not be done", message: problem.detail)
            }
            return errorPage(failure, principal)
        } catch {
            hub.logger.error("web page failed", metadata: ["error.type": "\(type(of: error))"])
            return errorPage(WebFailure(status: .internalServerError, title: "Sorry, there is a problem with the service",
                message: "Nothing was changed. Try again later."), principal)
        }
    }

    /// Where to return after signing in: only a path of this UI.
    static func nextParameter(_ request: Request) -> String {
        let path = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
        return path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2Fui"
    }

    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.hasPrefix("/ui//"), !next.contains("\\"), !next.contains("://") else { return "/ui" }
        return next
    }

    /// The context every page's layout needs: the person, the navigation, the CSRF token.
    func layout(_ principal: Principal?, title: String, section: String = "") -> [String: Any] {
        var context: [String: Any] = ["pageTitle": title]
        guard let principal else { return context }
        let user = principal.user
        let agencyName = hub.registry.agency(user.agency)?.name ?? user.agency.rawValue
        context["user"] = ["name": user.displayName, "agency": agencyName, "role": WebText.label(user.role.rawValue)]
        context["csrf"] = principal.session.csrfToken
        var nav: [[String: Any]] = []
        func add(_ key: String, _ label: String, _ href: String) { nav.append(["label": label, "href": href, "current": key == section]) }
        if user.role == .lead || user.role == .mashManager {
            add("inbox", "Inbox", "/ui/inbox")
            add("discussions", "Strategy discussions", "/ui/discussions")
            add("sent", "Sent", "/ui/sent")
            if PersonAccess(policies: hub.policies).mayReadPeople(user.agency) { add("reviews", "Identity reviews", "/ui/reviews") }
        }
        if user.role != .lead { add("loop-health", "Loop health", "/ui/loop-health") }
        context["nav"] = nav
        return context
    }

    func render(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        .html(renderer.render(template, context), status: status, headers: headers)
    }

    func errorPage(_ failure: WebFailure, _ principal: Principal?) -> Response {
        var context = layout(principal, title: failure.title)
        context["title"] = failure.title
        context["message"] = failure.message
        return render("error", context, status: failure.status)
    }

    func agencyName(_ id: String) -> String { AgencyID(rawValue: id).flatMap { hub.registry.agency($0)?.name } ?? id }

    // MARK: - Signing in

    func signInPage(_ request: Request, error: String? = nil, username: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let token = WebRandom.token()
        let parameters = request.uri.queryParameters
        var context = layout(nil, title: "Sign in")
        context["signInToken"] = token
        context["next"] = parameters["next"].map(String.init) ?? ""
        if let username { context["username"] = username }
        if let error { context["error"] = error }
        if parameters["expired"] != nil { context["notice"] = "You were signed out because you had not done anything for a while. Sign in again to carry on." }
        if parameters["signedOut"] != nil { context["notice"] = "You have signed out." }
        return render("sign-in", context, status: status, headers: HTTPFields([WebAccess.setCookie(WebAccess.signInCookie, token, maxAge: 1800)]))
    }

    func signIn(_ request: Request) async -> Response {
        do {
            let form = try await WebForm.read(request)
            guard let cookie = WebAccess.cookie(request, WebAccess.signInCookie), let token = form["csrf"], WebRandom.equal(cookie, token) else {
                return signInPage(request, error: "The sign-in form expired. Try again.", status: .forbidden)
            }
            guard let username = form["username"], let password = form.fields["password"]?.first, !password.isEmpty else {
                return signInPage(request, error: "Enter your username and password.", username: form["username"], status: .unprocessableContent)
            }
            switch try await access.signIn(username: username, password: password) {
            case .refused(let reason):
                return signInPage(request, error: reason, username: username, status: .unprocessableContent)
            case .signedIn(_, let session):
                let next = Self.safeNext(form["next"])
                return .redirect(next, headers: HTTPFields([
                    WebAccess.setCookie(WebAccess.sessionCookie, session, maxAge: Int(hub.configuration.web.maxAge)),
                    WebAccess.setCookie(WebAccess.signInCookie, "", maxAge: 0),
                ]))
            }
        } catch {
            hub.logger.error("web sign-in failed", metadata: ["error.type": "\(type(of: error))"])
            return errorPage(WebFailure(status: .internalServerError, title: "Sorry, there is a problem with the service", message: "Try again later."), nil)
        }
    }

    // MARK: - Inbox

    func inbox(_ request: Request, _ principal: Principal) async throws -> Response {
        let parameters = request.uri.queryParameters
        let state = parameters["state"].map(String.init) ?? "open"
        let selection: InboxQuery.Selection = switch state {
        case "closed": .closed
        case "all": .all
        default: .open
        }
        var cursor: InboxCursor?
        if let text = parameters["cursor"].map(String.init) { cursor = InboxCursor(token: text) }
        let (items, next) = try await ItemRoutes(hub: hub).page(of: principal.user.agency, selection, after: cursor, limit: 50)
        let now = hub.clock.now()
        var overdue = 0
        let rows: [[String: Any]] = items.map { item in
            let due = item.state.dueAt
            let late = due.map { $0 <= now } ?? false
            if late { overdue += 1 }
            var row: [String: Any] = [
                "id": item.id.rawValue, "purpose": WebText.label(item.purpose), "from": agencyName(item.messageSender.rawValue),
                "status": WebText.label(item.state.status.rawValue), "statusClass": WebText.tagClass(status: item.state.status.rawValue),
                "risk": item.risk.map { WebText.label($0.rawValue) } ?? "Not given", "riskClass": WebText.tagClass(risk: item.risk?.rawValue),
                "received": WebText.dateTime(item.createdAt), "overdue": late,
            ]
            if let due {
                row["due"] = WebText.dateTime(due)
                row["dueIn"] = late ? "overdue by \(WebText.span(now.timeIntervalSince(due)))" : "in \(WebText.span(due.timeIntervalSince(now)))"
            }
            if let step = item.state.nextStep { row["step"] = WebText.label(step.rawValue) }
            if let level = item.state.escalation?.level { row["escalation"] = level }
            return row
        }
        var context = layout(principal, title: "Inbox", section: "inbox")
        context["items"] = rows
        context["count"] = rows.count
        context["overdueCount"] = overdue
        context["state"] = state
        context["stateOpen"] = state == "open"
        context["stateClosed"] = state == "closed"
        context["stateAll"] = state == "all"
        if let next { context["next"] = "/ui/inbox?state=\(state)&cursor=\(next)" }
        return render("inbox", context)
    }
}
