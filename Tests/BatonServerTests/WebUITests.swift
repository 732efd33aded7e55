import BatonCore
import BatonServer
import BatonStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import BatonServer

/// A browser's part in these tests: keeps the cookies the hub sets and reads the CSRF token
/// from each page's forms. (The real browser tests, with Chromium, are in Tests/Browser.)
final class TestBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String?
    var lastText = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    func keep(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        lastText = String(buffer: response.body)
        if let range = lastText.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) {
            csrf = String(lastText[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }
    }

    var cookieHeader: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    @discardableResult
    func get(_ path: String) async throws -> TestResponse {
        let response = try await client.execute(uri: path, method: .get, headers: cookieHeader)
        keep(response)
        return response
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String], also: [(String, String)] = [], csrf override: String? = nil) async throws -> TestResponse {
        var fields = fields.map { ($0.key, $0.value) } + also
        fields.append(("csrf", override ?? csrf ?? ""))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        var headers = cookieHeader
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    func signIn(_ username: String, _ password: String = WebUITests.password) async throws -> TestResponse {
        try await get("/ui/sign-in")
        return try await post("/ui/sign-in", ["username": username, "password": password, "next": "/ui/inbox"])
    }
}

@Suite("Web UI")
struct WebUITests {
    static let password = "a long test passphrase"

    static func item(_ hub: BatonHub, _ id: String) async throws -> Item? {
        guard let itemID = ItemID(rawValue: id) else { return nil }
        return try await hub.store.read { try $0.item(itemID) }
    }

    static func history(_ hub: BatonHub, _ id: String) async throws -> [ItemHistoryEntry] {
        guard let itemID = ItemID(rawValue: id) else { return [] }
        return try await hub.store.read { try $0.history(of: itemID) }
    }

    static func accounts(_ hub: BatonHub, _ entries: [(String, String, String, String)]) async throws {
        let admin = WebAccountAdmin(store: hub.store, registry: hub.registry, access: hub.policies.access, cost: 10, now: { hub.clock.now() })
        for (username, name, agency, role) in entries {
            _ = try await admin.add(username: username, displayName: name, agency: agency, role: role, password: password)
        }
    }

    @Test("a MASH worker signs in, reads a referral (logged with the account), acknowledges and records its outcome through the reply pipeline; the referrer sees it")
    func workAReferral() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead"), ("manager.mash", "Morgan Ellery", "mash-test", "mash-manager")])
            let receipt = try await client.accepted(try testHub.signed(testHub.referral()))
            let messageId = try #require(receipt["messageId"]?.stringValue)
            let itemId = try #require(receipt.objects("items").first { $0["recipient"]?.stringValue == "mash-test" }?["itemId"]?.stringValue)

            let browser = TestBrowser(client)
            let signedIn = try await browser.signIn("sw.mash")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/ui/inbox")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("__Host-baton-session=") })
            for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] { #expect(cookie.contains(attribute)) }

            let inbox = try await browser.get("/ui/inbox")
            #expect(inbox.status == .ok)
            #expect(browser.lastText.contains("/ui/items/\(itemId)"))
            #expect(!browser.lastText.contains("Evie"), "the inbox shows no personal data")

            let page = try await browser.get("/ui/items/\(itemId)")
            #expect(page.status == .ok)
            #expect(browser.lastText.contains("Evie Ashworth"))
            #expect(browser.lastText.contains("Must not be told"), "the do-not-inform warning is shown")

            // The read is in the audit log, by the account, through the UI channel.
            let reads = try await hub.store.read { reader in
                try (0..<reader.auditSize()).compactMap { try reader.auditEntry($0) }.map { String(decoding: $0.body, as: UTF8.self) }
            }.filter { $0.contains("\"change\":\"access\"") && $0.contains("\"channel\":\"ui\"") }
            #expect(reads.contains { $0.contains("\"user\":\"sw.mash\"") && $0.contains(itemId) })

            #expect(try await browser.post("/ui/items/\(itemId)/acknowledge", ["owner_name": "Jo Rowntree", "owner_role": "Social worker"]).status == .seeOther)
            #expect(try await browser.post("/ui/items/\(itemId)/outcome", ["outcome_code": "no-further-action", "outcome_rationale": "Family engaging with early help."]).status == .seeOther)
            // No further action on a high-risk referral needs a manager's sign-off (policies/outcomes.yaml).
            let proposed = try #require(try await Self.item(hub, itemId))
            #expect(proposed.state.proposedOutcome?.by.user == "sw.mash")
            _ = try await browser.get("/ui/items/\(itemId)")
            #expect(!browser.lastText.contains("id=\"sign-off\""), "a lead is not offered the sign-off")
            let manager = TestBrowser(client)
            _ = try await manager.signIn("manager.mash")
            _ = try await manager.get("/ui/items/\(itemId)")
            #expect(manager.lastText.contains("id=\"sign-off\""))
            #expect(try await manager.post("/ui/items/\(itemId)/sign-off", ["signoff_decision": "approved", "signoff_reason": "Agreed: early help is in place."]).status == .seeOther)
            let item = try #require(try await Self.item(hub, itemId))
            #expect(item.state.status == .completed)
            #expect(item.state.outcome?.by.kind == .person)
            #expect(item.state.outcome?.by.user == "sw.mash")
            #expect(item.state.outcome?.signedOffBy?.user == "manager.mash")
            let history = try await Self.history(hub, itemId)
            #expect(history.first { $0.event == "acknowledged" }?.actor.user == "sw.mash")
            // Each action is kept as the message it amounts to, signed by the hub.
            #expect(history.first { $0.event == "acknowledged" }?.messageSequence != nil)

            // The referrer's view, through the API, has the outcome.
            let status = try await client.readJSON("/v1/messages/\(messageId)", as: "police-test", hub: testHub)
            let mine = status.objects("items").first { $0["itemId"]?.stringValue == itemId }
            #expect(mine?.at("outcome", "code")?.stringValue == "no-further-action")
        }
    }

    @Test("a strategy discussion in the UI: the school accepts its invitation naming who attends; the MASH records the discussion with an action, which reaches the school")
    func strategyDiscussion() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead"), ("dsl.school", "Kim Hale", "school-test", "lead")])
            let receipt = try await client.accepted(try StrategyDiscussionTests.request(testHub))
            let items = receipt.objects("items")
            let discussion = try #require(items.first { $0.string("purpose") == "strategy-discussion" }?.string("itemId"))
            let invitation = try #require(items.first { $0.string("purpose") == "strategy-invitation" && $0.string("recipient") == "school-test" }?.string("itemId"))

            let school = TestBrowser(client)
            _ = try await school.signIn("dsl.school")
            _ = try await school.get("/ui/items/\(invitation)")
            #expect(school.lastText.contains("Accept the invitation"))
            #expect(school.lastText.contains("Decline the invitation"))
            #expect(try await school.post("/ui/items/\(invitation)/acknowledge", ["owner_name": "Kim Hale", "owner_role": "DSL"]).status == .seeOther)
            #expect(try await Self.item(hub, invitation)?.state.status == .accepted)

            let mash = TestBrowser(client)
            _ = try await mash.signIn("sw.mash")
            _ = try await mash.get("/ui/discussions")
            #expect(mash.lastText.contains("/ui/items/\(discussion)"))
            _ = try await mash.get("/ui/items/\(discussion)")
            #expect(mash.lastText.contains("Record the strategy discussion"))
            // A record without attendees comes back asking for them.
            let incomplete = try await mash.post("/ui/items/\(discussion)/record", [
                "record_held": "2026-11-22T09:00", "record_format": "calls", "record_decision": "s47-enquiry", "record_rationale": "Disclosed injury.",
            ])
            #expect(incomplete.status == .unprocessableContent)
            #expect(mash.lastText.contains("Select the agencies that took part"))
            let recorded = try await mash.post("/ui/items/\(discussion)/record", [
                "record_held": "2026-11-22T09:00", "record_format": "calls", "record_attendee": "school-test",
                "record_attendee_name_school-test": "Kim Hale", "record_absence_mash-test": "", "record_absence_police-test": "On a warrant; briefed by phone.",
                "record_absence_gp-test": "The GP had no cover; sent a written summary.", "record_decision": "s47-enquiry",
                "record_rationale": "Reasonable cause to suspect significant harm.",
                "action_1_description": "Share attendance records since September", "action_1_owner": "school-test", "action_1_due": "2026-11-27",
            ], also: [("record_attendee", "mash-test"), ("record_attendee_name_mash-test", "Jo Rowntree")])
            #expect(recorded.status == .seeOther, "\(mash.lastText.components(separatedBy: "error-summary__list")[safe: 1]?.prefix(600) ?? "")")
            let decided = try #require(try await Self.item(hub, discussion))
            #expect(decided.state.decision?.code == "s47-enquiry")
            #expect(decided.state.decision?.by.user == "sw.mash")
            let actions = try await hub.store.read { try $0.items(recipient: AgencyID(rawValue: "school-test")!, purpose: SystemPurpose.strategyAction, open: true, limit: 10) }
            #expect(actions.count == 1)
            _ = try await school.get("/ui/items/\(try #require(actions.first?.id.rawValue))")
            #expect(school.lastText.contains("Share attendance records since September"))
        }
    }

    @Test("a child's page: the MASH sees every agency's entries and the counters; the school only its own entries and no counters; an agency with no item about the child, nothing")
    func childPage() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [
                ("sw.mash", "Jo Rowntree", "mash-test", "lead"), ("dsl.school", "Kim Hale", "school-test", "lead"), ("gp.lead", "Ann Petrie", "gp-test", "lead"),
            ])
            let notified = try await client.accepted(try testHub.notification())
            let person = try #require(notified.objects("subjects").first?.string("person"))
            #expect(notified.objects("items").contains { $0.string("recipient") == "school-test" })
            _ = try await client.accepted(try testHub.signed(testHub.referral()))

            let mash = TestBrowser(client)
            _ = try await mash.signIn("sw.mash")
            #expect(try await mash.get("/ui/children/\(person)").status == .ok)
            #expect(mash.lastText.contains("id=\"counters\""))
            #expect(mash.lastText.contains("Test Police"))
            #expect(mash.lastText.contains("2016-04-09"))

            let school = TestBrowser(client)
            _ = try await school.signIn("dsl.school")
            #expect(try await school.get("/ui/children/\(person)").status == .ok)
            #expect(school.lastText.contains("Evie Ashworth"))
            #expect(!school.lastText.contains("id=\"counters\""), "the counters across agencies are the MASH's")
            #expect(!school.lastText.contains("2016-04-09"), "dates of birth other agencies recorded are the MASH's")
            #expect(!school.lastText.contains("Decide response"), "the MASH's own items are not on the school's page")

            let gp = TestBrowser(client)
            _ = try await gp.signIn("gp.lead")
            #expect(try await gp.get("/ui/children/\(person)").status == .notFound)
            #expect(!gp.lastText.contains("Evie"))
        }
    }

    @Test("a lead puts an item on hold awaiting another agency until a date, and resumes it")
    func holdAndResume() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead")])
            let receipt = try await client.accepted(try testHub.signed(testHub.referral()))
            let itemId = try #require(receipt.objects("items").first { $0["recipient"]?.stringValue == "mash-test" }?["itemId"]?.stringValue)
            let mash = TestBrowser(client)
            _ = try await mash.signIn("sw.mash")
            _ = try await mash.get("/ui/items/\(itemId)")
            #expect(try await mash.post("/ui/items/\(itemId)/acknowledge", ["owner_name": "Jo Rowntree"]).status == .seeOther)
            _ = try await mash.get("/ui/items/\(itemId)")
            #expect(try await mash.post("/ui/items/\(itemId)/hold", ["hold_review": "2026-31-02"]).status == .unprocessableContent)
            #expect(mash.lastText.contains("href=\"#hold_review\""))
            #expect(try await mash.post("/ui/items/\(itemId)/hold", [
                "hold_awaiting": "police-test", "hold_review": "2026-11-27", "hold_reason": "Waiting for the police's checks.",
            ]).status == .seeOther)
            let held = try #require(try await Self.item(hub, itemId))
            #expect(held.state.status == .onHold)
            #expect(held.state.hold?.awaiting == "police-test")
            #expect(held.state.hold?.reviewAt == RFC3339.parse("2026-11-27T17:00:00Z"), "17:00 UK time (GMT in November)")
            #expect(try await mash.post("/ui/items/\(itemId)/resume", ["resume_note": "Checks back."]).status == .seeOther)
            #expect(try await Self.item(hub, itemId)?.state.status == .inProgress)
        }
    }

    @Test("dates from the forms are UK time: GMT in winter, BST in summer, and impossible dates are refused")
    func formDates() {
        #expect(WebUI.endOfDay("2026-11-27") == "2026-11-27T17:00:00.000Z")
        #expect(WebUI.endOfDay("2026-07-01") == "2026-07-01T16:00:00.000Z")
        #expect(WebUI.instant("2026-03-29T09:30") == "2026-03-29T08:30:00.000Z", "the day the clocks go forward")
        #expect(WebUI.instant("2026-10-25T00:30") == "2026-10-24T23:30:00.000Z")
        #expect(WebUI.endOfDay("2026-02-30") == nil)
        #expect(WebUI.instant("2026-12-05T25:00") == nil)
        #expect(WebUI.instant("yesterday") == nil)
    }

    @Test("loop health for auditors and managers, with CSV; not for leads")
    func loopHealthPage() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("auditor", "Alex Fenwick", "mash-test", "auditor"), ("dsl.school", "Kim Hale", "school-test", "lead")])
            _ = try await client.accepted(try testHub.signed(testHub.referral()))
            let auditor = TestBrowser(client)
            #expect(try await auditor.signIn("auditor").headers[.location] == "/ui/inbox")
            #expect(try await auditor.get("/ui/inbox").status == .forbidden)
            #expect(try await auditor.get("/ui/loop-health").status == .ok)
            #expect(auditor.lastText.contains("data-figure=\"received\">1<"))
            let csv = try await auditor.get("/ui/loop-health.csv?table=funnel")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(auditor.lastText.hasPrefix("stage,"), "\(auditor.lastText.prefix(80))")
            #expect(try await auditor.get("/ui/loop-health.csv?table=nothing").status == .notFound)
            let lead = TestBrowser(client)
            _ = try await lead.signIn("dsl.school")
            #expect(try await lead.get("/ui/loop-health").status == .forbidden)
        }
    }

    @Test("another agency's item is 'not found'; a form without this session's CSRF token changes nothing")
    func crossAgencyAndCSRF() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead"), ("dsl.school", "Kim Hale", "school-test", "lead")])
            let receipt = try await client.accepted(try testHub.signed(testHub.referral()))
            let itemId = try #require(receipt.objects("items").first { $0["recipient"]?.stringValue == "mash-test" }?["itemId"]?.stringValue)

            let school = TestBrowser(client)
            _ = try await school.signIn("dsl.school")
            let other = try await school.get("/ui/items/\(itemId)")
            #expect(other.status == .notFound)
            #expect(!school.lastText.contains("Evie"))
            #expect(try await school.post("/ui/items/\(itemId)/acknowledge", ["owner_name": "Kim Hale"]).status == .notFound)

            let mash = TestBrowser(client)
            _ = try await mash.signIn("sw.mash")
            _ = try await mash.get("/ui/items/\(itemId)")
            let forged = try await mash.post("/ui/items/\(itemId)/acknowledge", ["owner_name": "Jo Rowntree"], csrf: "not-the-token")
            #expect(forged.status == .forbidden)
            #expect(mash.lastText.contains("This form has expired"))
            let missing = try await mash.post("/ui/items/\(itemId)/acknowledge", ["owner_name": "Jo Rowntree"], csrf: "")
            #expect(missing.status == .forbidden)
            let item = try #require(try await Self.item(hub, itemId))
            #expect(item.state.status == .received, "nothing was changed")

            // A form with problems comes back with an error summary linked to the field, and nothing changes.
            _ = try await mash.get("/ui/items/\(itemId)")
            let problem = try await mash.post("/ui/items/\(itemId)/reject", [:])
            #expect(problem.status == .unprocessableContent)
            #expect(mash.lastText.contains("error-summary"))
            #expect(mash.lastText.contains("href=\"#reject_reason\""))
            #expect(try await Self.item(hub, itemId)?.state.status == .received)
        }
    }

    @Test("five wrong passwords lock the account; a reset unlocks it; an idle session ends; a disabled account's session ends at once")
    func sessionsAndLockout() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead")])
            let browser = TestBrowser(client)
            #expect(try await browser.signIn("nobody").status == .unprocessableContent)
            #expect(browser.lastText.contains("The username or password is not right"))
            for _ in 1...4 {
                #expect(try await browser.signIn("sw.mash", "wrong password here").status == .unprocessableContent)
                #expect(browser.lastText.contains("The username or password is not right"))
            }
            #expect(try await browser.signIn("sw.mash", "wrong password here").status == .unprocessableContent)
            #expect(browser.lastText.contains("locked"))
            #expect(try await browser.signIn("sw.mash").status == .unprocessableContent, "locked even with the right password")
            #expect(browser.lastText.contains("locked"))

            let admin = WebAccountAdmin(store: hub.store, registry: hub.registry, access: hub.policies.access, cost: 10)
            _ = try await admin.reset("sw.mash", password: "another long passphrase")
            #expect(try await browser.signIn("sw.mash", "another long passphrase").status == .seeOther)
            #expect(try await browser.get("/ui/inbox").status == .ok)

            // 15 minutes idle by default: the next request is sent to sign in again.
            testHub.clock.advance(by: 16 * 60)
            let expired = try await browser.get("/ui/inbox")
            #expect(expired.status == .seeOther)
            #expect(expired.headers[.location]?.hasPrefix("/ui/sign-in?expired=1") == true)

            #expect(try await browser.signIn("sw.mash", "another long passphrase").status == .seeOther)
            _ = try await admin.setDisabled("sw.mash", true)
            #expect(try await browser.get("/ui/inbox").headers[.location]?.hasPrefix("/ui/sign-in") == true)
            #expect(try await browser.signIn("sw.mash", "another long passphrase").status == .unprocessableContent)

            // The audit log has every account change and failed sign-in, and never a password or its hash.
            let entries = try await hub.store.read { reader in
                try (0..<reader.auditSize()).compactMap { try reader.auditEntry($0) }.map { String(decoding: $0.body, as: UTF8.self) }
            }.joined(separator: "\n")
            for change in ["account.created", "account.sign-in-failed", "account.locked", "account.password-reset", "account.signed-in", "account.disabled", "account.sign-in-unknown"] {
                #expect(entries.contains("\"change\":\"\(change)\""), "\(change)")
            }
            #expect(!entries.contains("$2b$") && !entries.contains("$2a$") && !entries.contains("passphrase"))
            #expect(!testHub.logs.all.joined().contains("passphrase"))
        }
    }

    @Test("accounts: a role the access policy does not give the agency, a short password, a bad username are refused")
    func accountRules() async throws {
        let testHub = try TestHub()
        let hub = try await testHub.open()
        let admin = WebAccountAdmin(store: hub.store, registry: hub.registry, access: hub.policies.access, cost: 10)
        await #expect(throws: WebAccountAdmin.Failure.self) { _ = try await admin.add(username: "a.b", displayName: "A B", agency: "school-test", role: "auditor", password: Self.password) }
        await #expect(throws: WebAccountAdmin.Failure.self) { _ = try await admin.add(username: "a.b", displayName: "A B", agency: "school-test", role: "lead", password: "short") }
        await #expect(throws: WebAccountAdmin.Failure.self) { _ = try await admin.add(username: "A B", displayName: "A B", agency: "school-test", role: "lead", password: Self.password) }
        await #expect(throws: WebAccountAdmin.Failure.self) { _ = try await admin.add(username: "a.b", displayName: "A B", agency: "nowhere", role: "lead", password: Self.password) }
        _ = try await admin.add(username: "a.b", displayName: "A B", agency: "school-test", role: "lead", password: Self.password)
        await #expect(throws: WebAccountAdmin.Failure.self) { _ = try await admin.add(username: "a.b", displayName: "A B", agency: "school-test", role: "lead", password: Self.password) }
        #expect(try await admin.list().map(\.username) == ["a.b"])
        try await hub.close()
    }

    @Test("pages need a session; only a path of the UI is a place to return to after signing in")
    func signInRedirects() async throws {
        let testHub = try TestHub()
        try await testHub.run { hub, client in
            let browser = TestBrowser(client)
            let response = try await browser.get("/ui/inbox")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/ui/sign-in?next=%2Fui%2Finbox")
            try await Self.accounts(hub, [("sw.mash", "Jo Rowntree", "mash-test", "lead")])
            _ = try await browser.get("/ui/sign-in")
            let offsite = try await browser.post("/ui/sign-in", ["username": "sw.mash", "password": Self.password, "next": "https://example.org/"])
            #expect(offsite.headers[.location] == "/ui")
            // A sign-in form without its cookie's token is refused.
            let fresh = TestBrowser(client)
            #expect(try await fresh.post("/ui/sign-in", ["username": "sw.mash", "password": Self.password], csrf: "guess").status == .forbidden)
            let page = try await browser.get("/ui/sign-in")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
        }
    }
}
