import BatonCore
/// BatonCore's seeded SplitMix64 generator, with the helpers this benchmark draws with, so that every run benchmarks the same policy and inputs.
struct SeededRandom: RandomNumberGenerator {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &self)! }

    /// Between `count.lowerBound` and `count.upperBound` distinct items, in random order.
    mutating func pick<T>(_ items: [T], count: ClosedRange<Int>) -> [T] {
        Array(items.shuffled(using: &self).prefix(Int.random(in: count, using: &self)))
    }
}
