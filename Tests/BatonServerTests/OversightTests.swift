import BatonCore
import BatonServer
import BatonSigning
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Roles, the auditors' decision records, and reloading policies without a restart, over HTTP.
@Suite("Oversight: roles, decision records, reloads")
struct OversightTests {
    static let sections: [JSONValue] = [
        ["label": "incident.occurred", "content": ["childPresent": true]],
        ["label": "police.incident", "content": ["text": "Officers attended an altercation."]],
    ]

    func post(_ client: any TestClientProtocol, _ path: String, bearer: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(bearer)"], body: ByteBuffer())
    }

    @Test("a role must be one the hub knows and one access.yaml allows the agency; oversight needs the role it names")
    func roles() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let receipt = try await client.accepted(try hub.notification { $0["sections"] = .array(Self.sections) })
            let item = try #require(receipt.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let unknownRole = try await client.read("/v1/inbox", bearer: try hub.bearer(hub.schoolKey, iss: "school-test", role: "superuser"))
            _ = unknownRole.expectProblem(.invalidToken)
            let schoolAuditor = try await client.read("/v1/items/\(item)/decision", bearer: try hub.bearer(hub.schoolKey, iss: "school-test", role: "auditor"))
            _ = schoolAuditor.expectProblem(.notPermitted)
            #expect(schoolAuditor.text.contains("access.yaml"))
            let mashLead = try await client.read("/v1/items/\(item)/decision", bearer: try hub.token(for: "mash-test"))
            _ = mashLead.expectProblem(.notPermitted)
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            let decision = try await client.read("/v1/items/\(item)/decision", bearer: auditor)
            #expect(decision.status == .ok, "\(decision.text)")
            let missing = try await client.read("/v1/items/0192e1b0-0000-7000-8000-000000000000/decision", bearer: auditor)
            _ = missing.expectProblem(.notFound)
            // An auditor reading an item sees decisions, not content (need-to-know.yaml forbids every label to auditors).
            let mashItem = try #require(receipt.objects("items").first { $0.string("recipient") == "mash-test" }?.string("itemId"))
            let asAuditor = try #require(try await client.read("/v1/items/\(mashItem)", bearer: auditor).json?.objectValue)
            #expect(asAuditor.at("content", "sections")?.arrayValue?.isEmpty == true)
            let asLead = try await client.readJSON("/v1/items/\(mashItem)", as: "mash-test", hub: hub)
            #expect(asLead.at("content", "sections")?.arrayValue?.count == 2)
        }
    }

    @Test("work passed on by a transfer gets its own decision record, for its new recipient and purpose")
    func transferRecorded() async throws {
        let hub = try TestHub()
        try await hub.run { _, client in
            let receipt = try await client.accepted(try hub.signed(hub.referral { object in
                object["sections"] = [
                    ["label": "concern.summary", "content": ["text": "Bruising noticed on both arms."]],
                    ["label": "police.intelligence", "content": ["text": "Partner known for previous incidents."]],
                ]
            }))
            let mashItem = try #require(receipt.objects("items").first { $0.string("recipient") == "mash-test" }?.string("itemId"))
            _ = try await client.accepted(try hub.reply("acknowledgement", item: mashItem, ["decision": "accepted", "owner": ["name": "Sam Okoro", "role": "MASH manager"]]))
            let transferred = try await client.accepted(try hub.reply("outcome", item: mashItem, [
                "code": "transferred", "rationale": "The school will support the child.", "transferTo": "school-test", "transferPurpose": "assess-and-act",
            ]))
            let schoolItem = try #require(transferred.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            let audit = try #require(try await client.read("/v1/items/\(schoolItem)/decision", bearer: auditor).json?.objectValue)
            let recorded = try #require(audit.at("recorded", "decision")?.objectValue, "\(audit)")
            #expect(recorded.string("purpose") == "assess-and-act")
            #expect(recorded.string("recipient") == "school-test")
            let decisions = recorded.objects("sections")
            #expect(decisions.first { $0.string("label") == "concern.summary" }?.string("rule") == "school-on-referral")
            #expect(decisions.first { $0.string("label") == "police.intelligence" }?.at("shown") == false)
            let view = try await client.readJSON("/v1/items/\(schoolItem)", as: "school-test", hub: hub)
            #expect(view.at("content", "sections")?.arrayValue?.compactMap { $0.objectValue?.string("label") } == ["concern.summary"])
            #expect(!JSONValue.object(view).serializedString().contains("Partner known"))
        }
    }

    @Test("a reload by an administrator puts a changed policy in force for new items; the old version stays readable; a broken file is refused with file and line and changes nothing")
    func adminReload() async throws {
        let hub = try TestHub()
        let rules = hub.folder.appendingPathComponent("policies/need-to-know.yaml")
        try await hub.run { baton, client in
            let administrator = try hub.bearer(hub.mashKey, iss: "mash-test", role: "administrator")
            let auditor = try hub.bearer(hub.mashKey, iss: "mash-test", role: "auditor")
            let first = try await client.accepted(try hub.notification { $0["sections"] = .array(Self.sections) })
            let oldItem = try #require(first.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let oldVersion = baton.policies.version

            // Only an administrator may reload.
            _ = try await post(client, "/v1/admin/reload", bearer: try hub.token(for: "mash-test")).expectProblem(.notPermitted)
            _ = try await post(client, "/v1/admin/reload", bearer: try hub.bearer(hub.schoolKey, iss: "school-test", role: "administrator"))
                .expectProblem(.notPermitted)

            // The partnership loosens the policy, and the hub reloads it without a restart.
            try (try String(contentsOf: rules, encoding: .utf8))
                .replacingOccurrences(of: "labels: [incident.occurred, support.advice]", with: "labels: [incident.occurred, support.advice, police.incident]")
                .write(to: rules, atomically: true, encoding: .utf8)
            let reload = try await post(client, "/v1/admin/reload", bearer: administrator)
            #expect(reload.status == .ok, "\(reload.text)")
            let report = try #require(reload.json?.objectValue)
            #expect(report.string("previousPolicyVersion") == oldVersion)
            #expect(report.at("policiesChanged") == true)
            let newVersion = try #require(report.string("policyVersion"))
            #expect(newVersion != oldVersion && baton.policies.version == newVersion)

            let second = try await client.accepted(try hub.notification { $0["sections"] = .array(Self.sections) })
            let newItem = try #require(second.objects("items").first { $0.string("recipient") == "school-test" }?.string("itemId"))
            let new = try await client.readJSON("/v1/items/\(newItem)", as: "school-test", hub: hub)
            #expect(Set(new.at("content", "sections")?.arrayValue?.compactMap { $0.objectValue?.string("label") } ?? []) == ["incident.occurred", "police.incident"])
            let old = try await client.readJSON("/v1/items/\(oldItem)", as: "school-test", hub: hub)
            #expect(old.at("content", "sections")?.arrayValue?.compactMap { $0.objectValue?.string("label") } == ["incident.occurred"])
            #expect(old.string("content", "disclosure", "decidedUnder") == String(oldVersion.prefix(16)))
            let newDecision = try #require(try await client.read("/v1/items/\(newItem)/decision", bearer: auditor).json?.objectValue)
            #expect(newDecision.string("recorded", "policyVersion") == newVersion)
            let oldDecision = try #require(try await client.read("/v1/items/\(oldItem)/decision", bearer: auditor).json?.objectValue)
            #expect(oldDecision.string("recorded", "policyVersion") == oldVersion)

            // Both versions stay in the store, readable by auditors.
            let oldFiles = try #require(try await client.read("/v1/policies/\(oldVersion)", bearer: auditor).json?.objectValue)
            #expect(oldFiles.string("files", "need-to-know.yaml")?.contains("labels: [incident.occurred, support.advice]\n") == true)
            #expect(oldFiles.at("current") == false)
            let current = try #require(try await client.read("/v1/policies/current", bearer: auditor).json?.objectValue)
            #expect(current.string("version") == newVersion)

            // A broken file: refused with file, line and field; the rules in force stay.
            try (try String(contentsOf: rules, encoding: .utf8)).replacingOccurrences(of: "labels: [health.sexual]", with: "labels: [health.sexuall]")
                .write(to: rules, atomically: true, encoding: .utf8)
            let refused = try await post(client, "/v1/admin/reload", bearer: administrator)
            let problem = try #require(refused.expectProblem(.invalidConfiguration))
            let error = try #require(problem.objects("configurationErrors").first)
            #expect(error.string("file")?.hasSuffix("need-to-know.yaml") == true)
            #expect(error.at("line")?.numberValue != nil)
            #expect(error.string("problem")?.contains("health.sexuall") == true)
            #expect(baton.policies.version == newVersion)
            _ = try await client.accepted(try hub.notification { $0["sections"] = .array(Self.sections) })
        }
    }
}
