import BatonCore
import Foundation
import Hummingbird

/// Health, readiness, metrics, the OpenAPI document, the hub's public keys, problem type pages.
struct OperationsRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in Response.json(["status": "ok"]) }
        router.get("/readyz") { _, context in
            do {
                try await hub.store.checkReadiness()
            } catch {
                context.logger.warning("not ready", metadata: ["error.type": "\(type(of: error))"])
                throw Problem(.notReady, "The hub cannot reach its storage.")
            }
            return Response.json(["status": "ready", "agencies": .number(Double(hub.registry.agencies.count))])
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: hub.prometheus.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ in
            Response.text(try OpenAPIDocument.text(), contentType: "application/yaml; charset=utf-8")
        }
        router.get("/.well-known/jwks.json") { _, _ in
            Response.json(hub.hubKey.jwks(), contentType: "application/jwk-set+json")
        }
        router.get("/problems/:type") { _, context in
            guard let type = context.parameters.get("type").flatMap(ProblemType.init(rawValue:)) else {
                throw Problem(.notFound, "No such problem type.")
            }
            return Response.text("\(type.title) (HTTP \(type.status.code))\n\n\(type.explanation)\n")
        }
    }
}

/// The OpenAPI 3.1 description of the API, shipped as a resource of this module.
public enum OpenAPIDocument {
    public static func text() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw Problem(.internalError, "The OpenAPI document is missing from this build.")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
