import Foundation
import Testing

/// Whether an independent implementation is available. `scripts/test` installs jwcrypto and sets
/// BATON_REQUIRE_INTEROP=1, so there a missing library fails the run instead of skipping.
enum Interop {
    static let required = ProcessInfo.processInfo.environment["BATON_REQUIRE_INTEROP"] == "1"

    static let jwcryptoAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jwcrypto"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/jose_interop.py").path
    }
}

@Suite("Interoperability with an independent JOSE implementation")
struct InteropTests {
    @Test(
        "messages signed by jwcrypto (Ed25519 and ES256) are accepted and Baton's receipts verify with jwcrypto",
        .enabled(if: Interop.jwcryptoAvailable || Interop.required, "skipped: Python jwcrypto is not installed (scripts/test installs it)"))
    func jwcrypto() throws {
        guard Interop.jwcryptoAvailable else {
            Issue.record("BATON_REQUIRE_INTEROP=1 but Python jwcrypto is not importable")
            return
        }
        let workspace = try Workspace()
        let hub = try HubProcess(workspace)
        defer { _ = hub.stop() }
        let (status, text) = try runCombined(
            "/usr/bin/env", ["python3", Interop.script, hub.baseURL, "police-northmoor", workspace.path("police.jwk"), workspace.path("police-es.jwk")])
        #expect(status == 0, "jwcrypto interop failed:\n\(text)\nhub log:\n\(hub.log)")
        #expect(text.contains("all interop checks passed"))
        #expect(text.components(separatedBy: "\nok ").count >= 14, "fewer checks ran than expected:\n\(text)")
    }
}
