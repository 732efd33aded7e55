import BatonAudit
import BatonCore
import BatonStore
import Foundation
import Hummingbird

/// The auditor's loop-health page (``LoopHealthPage``) and its CSV exports.
extension WebUI {
    func registerOversight(on router: Router<BasicRequestContext>) {
        let oversight: Set<StaffRole> = [.auditor, .mashManager, .administrator]
        router.get("/ui/loop-health") { request, _ in await page(request, roles: oversight) { principal, _ in try await loopHealth(request, principal) } }
        router.get("/ui/loop-health.csv") { request, _ in await page(request, roles: oversight) { _, _ in try await loopHealthCSV(request) } }
    }

    func loopHealthPage(_ request: Request) async throws -> LoopHealthPage {
        let parameters = request.uri.queryParameters
        let query = LoopHealthPage.query(from: parameters["from"].map(String.init), to: parameters["to"].map(String.init), now: hub.clock.now())
        let figures = try await hub.store.read { try $0.loopHealth(query) }
        var page = LoopHealthPage(figures: figures, query: query)
        page.agencyNames = Dictionary(uniqueKeysWithValues: hub.registry.agencies.map { ($0.key.rawValue, $0.value.name) })
        // The latest checkpoint's signature, checked against the hub's own key now.
        if let jws = figures.audit.checkpoint?.jws {
            let keys = SignedTreeHead.keys(fromJWKS: hub.hubKey.jwks())
            page.checkpointSignatureValid = (try? SignedTreeHead.verify(jws, keys: keys)) != nil
        }
        return page
    }

    func loopHealth(_ request: Request, _ principal: Principal) async throws -> Response {
        let page = try await loopHealthPage(request)
        var context = layout(principal, title: "Loop health", section: "loop-health")
        for (key, value) in page.context() { context[key] = value }
        return render("loop-health", context)
    }

    func loopHealthCSV(_ request: Request) async throws -> Response {
        let table = request.uri.queryParameters["table"].map(String.init) ?? ""
        let page = try await loopHealthPage(request)
        guard let csv = page.csv(table) else {
            throw WebFailure(status: .notFound, title: "No such table", message: "The tables are: \(LoopHealthPage.tables.joined(separator: ", ")).")
        }
        return .csv(csv, filename: "baton-\(table)-\(RFC3339.utcDate(of: page.query.from))-\(RFC3339.utcDate(of: page.query.to)).csv")
    }
}
