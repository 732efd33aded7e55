import Foundation

/// The repository root: the nearest folder above this file that holds both `Package.swift` and
/// `policies/`, so the tests find the shipped policy files wherever the test sources live.
enum RepositoryRoot {
    static let path: String = locate(from: #filePath)

    static func locate(from file: String) -> String {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        let manager = FileManager.default
        while url.path != "/" {
            if manager.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                manager.fileExists(atPath: url.appendingPathComponent("policies").path)
            {
                return url.path
            }
            url.deleteLastPathComponent()
        }
        return "/work/main"
    }

    static func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }
}
