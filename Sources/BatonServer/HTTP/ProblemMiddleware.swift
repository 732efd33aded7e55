import Hummingbird
import Logging

/// Makes every failure path answer with `application/problem+json`: Hummingbird's own errors
/// (unknown route, body too large) and anything unexpected (logged by type only, answered 500
/// without detail).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
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
