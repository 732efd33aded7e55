import BatonCore
import BatonPolicy
import BatonSigning
import BatonStore
import Foundation
import Hummingbird

/// Oversight and administration, for tokens that name a role (`policies/access.yaml`):
/// - `GET /v1/items/{itemId}/decision` (auditor): the need-to-know decision recorded for an item
///   when it was made (each section's decision, the rule behind it, the lawful basis, the persons
///   withheld, the policy version) beside what the current policy decides, and what its recipient
///   is shown now. Labels, rules and references only: never the sections' content.
/// - `GET /v1/policies/{version}` (auditor): the policy files of a version the hub ran (`current`
///   for the one in force), so a decision can be read with the rules that made it.
/// - `POST /v1/admin/reload` (administrator): load the agency registry and the policies again;
///   applied only if everything validates, as SIGHUP does.
struct OversightRoutes {
    let hub: BatonHub

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/items/:itemId/decision") { request, context in try await decision(request, context) }
        router.get("/v1/policies/:version") { request, context in try await policyVersion(request, context) }
        router.post("/v1/admin/reload") { request, _ in try await reload(request) }
    }

    func decision(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try hub.authenticate(request, as: .auditor)
        guard let id = context.parameters.get("itemId").flatMap(ItemID.init(rawValue:)) else {
            throw Problem(.notFound, "No item with this id.")
        }
        let disclosure = hub.rules.current.disclosure
        let view: JSONObject? = try await hub.store.read { reader in
            guard let item = try reader.item(id) else { return nil }
            var object: JSONObject = [
                "itemId": .string(item.id.rawValue), "recipient": .string(item.recipient.rawValue), "purpose": .string(item.purpose),
                "kind": .string(item.kind.rawValue),
            ]
            let recorded = try RecordedDisclosure.of(item.id, in: reader)
            if let recorded {
                object["recorded"] = [
                    "policyVersion": .string(recorded.policyVersion), "decidedAt": .string(RFC3339.format(recorded.decidedAt)),
                    "decision": .object(recorded.record),
                ]
            } else {
                object["recorded"] = .null
                object["note"] = "No decision was recorded when this item was made: it shows no message content, or it was made before decisions were recorded."
            }
            guard item.showsMessageContent, let stored = try reader.message(sequence: item.messageSequence), let message = ItemViews.parse(stored)
            else { return object }
            let decide = { (decisions: [Disclosure.SectionDecision]) -> JSONValue in
                .array(decisions.map { ["label": .string($0.label), "shown": .bool($0.shown), "rule": .string($0.rule ?? "default-deny")] })
            }
            object["current"] = [
                "policyVersion": .string(disclosure.policies.version),
                "sections": decide(disclosure.sections(of: message, for: item)),
            ]
            object["shownNow"] = decide(disclosure.sections(of: message, for: item, recorded: recorded, role: nil))
            return object
        }
        guard let view else { throw Problem(.notFound, "No item with this id.") }
        return .json(.object(view))
    }

    func policyVersion(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try hub.authenticate(request, as: .auditor)
        let current = hub.rules.current
        guard let requested = context.parameters.get("version") else { throw Problem(.notFound, "No policy version with this id.") }
        let version = requested == "current" ? current.policies.version : requested
        guard version.count == 64, version.allSatisfy(\.isHexDigit) else {
            throw Problem(.notFound, "No policy version with this id (a version is the SHA-256 of the policy files, 64 hex digits, or 'current').")
        }
        guard let files = try await hub.store.read({ try $0.policyFiles(version: version) }), let parsed = try? StrictJSON.parse(files) else {
            throw Problem(.notFound, "The hub never ran policy version \(version.prefix(12)).")
        }
        return .json([
            "version": .string(version), "current": .bool(version == current.policies.version), "files": parsed,
        ])
    }

    func reload(_ request: Request) async throws -> Response {
        let identity = try hub.authenticate(request, as: .administrator)
        do {
            let report = try await hub.reload(trigger: "admin call by \(identity.agency)")
            return .json(report.json)
        } catch let problem as StartupProblem {
            var answer = Problem(.invalidConfiguration,
                "\(problem.what) has \(problem.errors.errors.count) problem\(problem.errors.errors.count == 1 ? "" : "s"); nothing was changed.")
            answer.extensions["configurationErrors"] = .array(problem.errors.errors.map { error in
                [
                    "file": .string(error.file), "line": error.line.map { .number(Double($0)) } ?? .null, "field": .string(error.field),
                    "problem": .string(error.problem),
                ]
            })
            throw answer
        }
    }
}
