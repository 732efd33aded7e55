import Foundation
import Testing

/// docs/integrating.md must work for someone who has not read the code: its `sh` blocks, in
/// order, are run as one script against a real hub (plain openssl, curl and jq; no Baton code).
enum GuideTools {
    static let needed = ["openssl", "curl", "jq", "xxd", "base64", "sha256sum"]
    static let missing: [String] = needed.filter { tool in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "command -v \(tool)"]
        process.standardOutput = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus != 0
    }
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

@Suite("The integrator's guide")
struct IntegratorGuideTests {
    @Test(
        "every command in docs/integrating.md works, in order, against a real hub",
        .enabled(if: GuideTools.missing.isEmpty || Interop.required, "skipped: the guide needs openssl, curl, jq and xxd (scripts/test installs them)"))
    func guideRuns() throws {
        #expect(GuideTools.missing.isEmpty, "missing tools: \(GuideTools.missing)")
        let guide = try String(contentsOf: GuideTools.repository.appendingPathComponent("docs/integrating.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in guide.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        #expect(blocks.count >= 10, "the guide's runnable blocks were not found")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = "set -euo pipefail\ntrap 'kill ${HUB_PID:-} 2>/dev/null || true' EXIT\n" + blocks.joined(separator: "\n")
        try script.write(to: folder.appendingPathComponent("guide.sh"), atomically: true, encoding: .utf8)

        let binaries = URL(fileURLWithPath: BatonBinary.path).deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["REPO"] = GuideTools.repository.path
        let (status, text) = try runCombined("/bin/bash", [folder.appendingPathComponent("guide.sh").path], environment: environment, directory: folder)
        let hubLog = (try? String(contentsOf: folder.appendingPathComponent("baton-integration/hub.log"), encoding: .utf8)) ?? ""
        #expect(status == 0, "the guide failed:\n\(text)\nhub log:\n\(hubLog)")
        #expect(text.contains("202\n"))
        #expect(text.contains("Signature Verified Successfully"))
        #expect(text.contains("the receipt covers exactly what was sent"))
        #expect(text.contains("200\nsame receipt"))
        #expect(text.contains(#""state": "open""#))
        #expect(text.contains(#""recipient": "northmoor-mash""#))
        #expect(text.contains("/problems/invalid-message"))
        #expect(text.contains(#""status": "completed""#))
    }
}
