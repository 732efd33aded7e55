import AsyncHTTPClient
import BatonCore
import BatonSigning
import BatonSynthetic
import Foundation
import Testing

/// `baton serve` reloads its agency registry and policies on SIGHUP, only if they validate.
@Suite("Reload on SIGHUP", .serialized)
struct ReloadTests {
    /// Waits until the hub's log has `count` lines containing `text`.
    static func waitForLog(_ hub: HubProcess, _ text: String, count: Int = 1) async throws -> Bool {
        let deadline = Date() + 20
        while Date() < deadline {
            if hub.log.components(separatedBy: text).count - 1 >= count { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("a key added to the registry is accepted after SIGHUP; a broken policy file is refused and the hub keeps running under the rules in force")
    func hangupReloads() async throws {
        let workspace = try Workspace()
        let hub = try HubProcess(workspace)
        defer { _ = hub.stop() }
        var traffic = SyntheticTraffic(seed: 7)
        let newKey = KeyFile(kid: "police-northmoor/e2e-new", key: .generate(.edDSA))

        // Not registered yet: refused.
        let before = try await CrashSafetyTests.post(.shared, hub.baseURL, try traffic.referral(from: traffic.area.police, at: Date()).signed(with: newKey))
        #expect(before.0 == 401)

        try workspace.registryFile(id: "police-northmoor", type: "police", keys: [workspace.policeKey, workspace.policeES, newKey])
            .write(to: workspace.agencies.appendingPathComponent("police-northmoor.yaml"), atomically: true, encoding: .utf8)
        kill(hub.process.processIdentifier, SIGHUP)
        #expect(try await Self.waitForLog(hub, "rules reloaded"), "\(hub.log)")
        #expect(hub.log.contains("trigger=SIGHUP"))
        let after = try await CrashSafetyTests.post(.shared, hub.baseURL, try traffic.referral(from: traffic.area.police, at: Date()).signed(with: newKey))
        #expect(after.0 == 202, "\(String(describing: after.1))")

        // A policy file that does not validate: refused, logged with no personal data, nothing changes.
        let rules = workspace.policies.appendingPathComponent("need-to-know.yaml")
        try (try String(contentsOf: rules, encoding: .utf8)).replacingOccurrences(of: "labels: [health.sexual]", with: "labels: [health.sexuall]")
            .write(to: rules, atomically: true, encoding: .utf8)
        kill(hub.process.processIdentifier, SIGHUP)
        #expect(try await Self.waitForLog(hub, "reload refused"), "\(hub.log)")
        #expect(hub.process.isRunning)
        let still = try await CrashSafetyTests.post(.shared, hub.baseURL, try traffic.referral(from: traffic.area.police, at: Date()).signed(with: newKey))
        #expect(still.0 == 202, "the rules in force stay in force after a refused reload")
        #expect(try await Self.waitForLog(hub, "rules reloaded", count: 1))
        #expect(hub.log.components(separatedBy: "rules reloaded").count - 1 == 1, "the refused reload did not replace the rules")
    }
}
