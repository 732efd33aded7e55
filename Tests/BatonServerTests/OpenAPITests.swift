import BatonServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

@Suite("The OpenAPI document tells the truth")
struct OpenAPITests {
    func document() throws -> [String: Any] {
        try #require(try Yams.load(yaml: OpenAPIDocument.text()) as? [String: Any])
    }

    @Test("it is OpenAPI 3.1 and is served at /openapi.yaml")
    func served() async throws {
        #expect(try document()["openapi"] as? String == "3.1.0")
        let hub = try TestHub()
        try await hub.run { _, client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == (try OpenAPIDocument.text()))
        }
    }

    @Test("every API route the server has is documented, and every documented operation exists (the web UI's /ui pages are not API)")
    func routesMatch() async throws {
        let hub = try await TestHub().open()
        defer { Task { try await hub.close() } }
        let served = Set(hub.router().routes.filter { !$0.path.description.hasPrefix("/ui") }.map { route -> String in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue.lowercased()) /" + path.joined(separator: "/")
        })
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(served == documented)
    }

    @Test("every problem type is documented")
    func problemTypes() throws {
        let schemas = try #require((try document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let slugs = try #require((schemas["ProblemSlug"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(slugs) == Set(ProblemType.allCases.map(\.rawValue)))
    }

    @Test("docs/problems.md lists every problem type with its status")
    func problemsDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/problems.md"), encoding: .utf8)
        for type in ProblemType.allCases {
            #expect(text.contains("| \(type.status.code) | `\(type.uri)` | \(type.title) |"), "docs/problems.md is missing or misstates \(type.rawValue)")
        }
    }
}
