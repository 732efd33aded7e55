import Foundation
import Testing

@testable import BatonCore

@Suite("Time-ordered identifiers")
struct TimeOrderedIdentifiersTests {
    @Test("version 7 UUIDs, in creation order even within one millisecond, carrying the clock's time")
    func ordered() {
        let instant = Date(timeIntervalSince1970: 1_795_000_000.123)
        let source = TimeOrderedIdentifiers(now: { instant })
        let ids = (0..<5_000).map { _ in source.newUUID().uuidString.lowercased() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(10) {
            let hex = id.replacingOccurrences(of: "-", with: "")
            #expect(Array(hex)[12] == "7")
            #expect("89ab".contains(Array(hex)[16]))
        }
        let millisecond = UInt64(hex: String(ids[0].replacingOccurrences(of: "-", with: "").prefix(12)))
        #expect(millisecond == 1_795_000_000_123)
    }
}

extension UInt64 {
    init(hex: String) { self = UInt64(hex, radix: 16) ?? 0 }
}
