import BatonCore
import BatonSigning
import Foundation
import Testing

/// The built `baton` executable, beside this test bundle in the build folder.
enum BatonBinary {
    static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["BATON_BINARY"] { return explicit }
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // `swift test` runs <build>/debug/BatonPackageTests.xctest; on macOS the bundle is one level deeper.
        for candidate in [folder, folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("baton").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return folder.appendingPathComponent("baton").path
    }

    /// Runs `baton` with `arguments` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil, directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// Runs a program to completion; returns its exit status and its standard output and error together.
func runCombined(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// A temporary folder with an agency registry (one police force, one school) and their keys.
struct Workspace {
    let folder: URL
    let policeKey = KeyFile(kid: "police-northmoor/e2e-1", key: .generate(.edDSA))
    let policeES = KeyFile(kid: "police-northmoor/e2e-2", key: .generate(.es256))
    let schoolKey = KeyFile(kid: "school-ashgrove-primary/e2e-1", key: .generate(.edDSA))
    let mashKey = KeyFile(kid: "northmoor-mash/e2e-1", key: .generate(.edDSA))

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID())")
        try FileManager.default.createDirectory(at: agencies, withIntermediateDirectories: true)
        try registryFile(id: "police-northmoor", type: "police", keys: [policeKey, policeES])
            .write(to: agencies.appendingPathComponent("police-northmoor.yaml"), atomically: true, encoding: .utf8)
        try registryFile(id: "school-ashgrove-primary", type: "school", keys: [schoolKey], codes: #"{ urn: "990101", la: "995" }"#)
            .write(to: agencies.appendingPathComponent("school-ashgrove-primary.yaml"), atomically: true, encoding: .utf8)
        try policeKey.write(path: path("police.jwk"))
        try policeES.write(path: path("police-es.jwk"))
        try schoolKey.write(path: path("school.jwk"))
        try mashKey.write(path: path("mash.jwk"))
        try registryFile(id: "northmoor-mash", type: "social-care", keys: [mashKey], codes: #"{ la: "995" }"#)
            .write(to: agencies.appendingPathComponent("northmoor-mash.yaml"), atomically: true, encoding: .utf8)
        // The shipped strategy-discussion policy invites the sample fostering service by id.
        try FileManager.default.copyItem(
            at: Workspace.repository.appendingPathComponent("agencies/northmoor-fostering.yaml"), to: agencies.appendingPathComponent("northmoor-fostering.yaml"))
        try FileManager.default.copyItem(at: Workspace.repository.appendingPathComponent("policies"), to: policies)
    }

    /// The repository checkout these tests belong to (for its shipped policies and agencies).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var agencies: URL { folder.appendingPathComponent("agencies") }
    var policies: URL { folder.appendingPathComponent("policies") }
    var database: String { path("baton.sqlite") }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func registryFile(id: String, type: String, keys: [KeyFile], codes: String = "{}") -> String {
        let entries = keys.map { key -> String in
            let members = key.key.publicKey.jwkMembers.map { "\($0.0): \"\($0.1)\"" }.joined(separator: ", ")
            return "  - kid: \(key.kid.split(separator: "/")[1])\n    jwk: { \(members) }\n"
        }.joined()
        return "id: \(id)\ntype: \(type)\nname: Test \(id)\ncodes: \(codes)\nkeys:\n\(entries)"
    }
}

/// `baton serve` running as a separate process on a free loopback port.
final class HubProcess {
    let process = Process()
    let logPath: String
    private(set) var port = 0

    init(_ workspace: Workspace, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        logPath = workspace.path("serve-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: BatonBinary.path)
        process.arguments = ["serve", "--port", "0", "--agencies", workspace.agencies.path, "--policies", workspace.policies.path, "--database", workspace.database] + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = logHandle
        process.standardOutput = logHandle
        try process.run()
        let deadline = Date() + 60
        while Date() < deadline {
            if let text = try? String(contentsOfFile: logPath, encoding: .utf8),
                let range = text.range(of: #"address=http://127\.0\.0\.1:(\d+)"#, options: .regularExpression)
            {
                port = Int(text[range].split(separator: ":").last!)!
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw HubProcessError(description: "the hub did not start (exit \(process.terminationStatus)):\n\(output)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then wait; returns the exit status.
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }
}

struct HubProcessError: Error, CustomStringConvertible {
    let description: String
}
