import Hummingbird
import Logging

/// Makes every failure path answer with `application/problem+json`: Hummingbird's own errors
/// (unknown route, body too large) and anything unexpected (logged by type only, answered 500
/// without detail).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let methods: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError where error.status == .notFound {
            // Hummingbird answers an unknown method on a known path with 404; say 405 and what is allowed.
            let allowed = methods.allowed(for: request.uri.path)
            guard !allowed.isEmpty else { throw Self.problem(for: error) }
            let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw Problem(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; allowed: \(list).", headers: [.allow: list])
        } catch let error as HTTPError {
            throw Self.problem(for: error)
        } catch let error as any HTTPResponseError {
            throw Self.problem(status: error.status)
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            throw Problem(.internalError, "The hub could not complete the request.")
        }
    }

    static func problem(for error: HTTPError) -> Problem {
        problem(status: error.status, headers: error.headers)
    }

    static func problem(status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Problem {
        switch status {
        case .notFound: Problem(.notFound, "There is nothing at this path, or nothing your agency may see.")
        case .methodNotAllowed: Problem(.methodNotAllowed, "This path does not take that method.", headers: headers)
        case .contentTooLarge: Problem(.payloadTooLarge, "The request body is larger than this hub accepts.")
        case .unsupportedMediaType: Problem(.unsupportedMediaType, "Unsupported content type.")
        case .badRequest: Problem(.badRequest, "The request could not be understood.")
        default: Problem(.internalError, "The hub could not complete the request.")
        }
    }
}

/// Which methods each route path takes, to answer 405 with an `Allow` header.
struct RouteMethods: Sendable {
    private let routes: [(segments: [Substring], method: HTTPRequest.Method)]

    init(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        self.routes = routes.map { (segments: $0.path.split(separator: "/"), method: $0.method) }
    }

    func allowed(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { $0.hasPrefix(":") || $0.hasPrefix("{") || $0 == $1 }
            if matches, !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }
}
