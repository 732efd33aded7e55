import BatonCore

extension Array {
    func pick(_ random: inout SeededGenerator) -> Element { self[Int(random.next() % UInt64(count))] }
}

extension Double {
    static func chance(_ probability: Double, _ random: inout SeededGenerator) -> Bool {
        Double(random.next() % 10_000) / 10_000 < probability
    }
}
