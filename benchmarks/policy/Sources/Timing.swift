import BatonPolicy

/// p50, p99 and mean of a sample of times, in microseconds.
struct Summary: Encodable {
    var p50: Double
    var p99: Double
    var mean: Double
    var samples: Int

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))] }
        p50 = rank(0.5)
        p99 = rank(0.99)
        mean = sorted.reduce(0, +) / Double(max(sorted.count, 1))
        samples = sorted.count
    }
}

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

/// Decides every section label of `input` for its recipient, as one item's redaction does, and
/// returns how many are shown.
func decideAll(_ input: Input, with policy: NeedToKnowPolicy) -> Int {
    var shown = 0
    for label in input.labels where policy.decide(label, for: input.request).shown { shown += 1 }
    return shown
}

/// Two ways of timing the same work with `ContinuousClock`. `work` returns a number that is
/// summed into ``sink`` so that nothing can be optimised away.
enum Timing {
    nonisolated(unsafe) static var sink = 0

    /// Each item timed on its own, `passes` times, every pass in a new random order after
    /// `warmUp` untimed passes: microseconds per item, one sample per item and pass. Each sample
    /// includes one reading of the clock (see ``clockCost()``).
    static func eachAlone<Item>(_ items: [Item], passes: Int, warmUp: Int, _ random: inout SeededRandom, _ work: (Item) -> Int) -> [Double] {
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(items.count * passes)
        for pass in 0..<(warmUp + passes) {
            for item in items.shuffled(using: &random) {
                let start = clock.now
                sink &+= work(item)
                let elapsed = clock.now - start
                if pass >= warmUp { samples.append(microseconds(elapsed)) }
            }
        }
        return samples
    }

    /// Consecutive batches of `batch` items timed whole, `passes` times after one untimed pass.
    /// A batch's time divided by its decisions (`weight` per item) is its time per decision; each
    /// item in it is credited that time × its weight. This is the only way to time Cedar through
    /// cedarpy without Python's call overhead, so both engines are also reported this way.
    static func batched<Item>(_ items: [Item], batch: Int, passes: Int, weight: (Item) -> Int, _ work: (Item) -> Int) -> [Double] {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for pass in 0...passes {
            for start in stride(from: 0, to: items.count, by: batch) {
                let slice = items[start..<min(start + batch, items.count)]
                let began = clock.now
                for item in slice { sink &+= work(item) }
                let perDecision = microseconds(clock.now - began) / Double(slice.reduce(0) { $0 + weight($1) })
                if pass > 0 { samples += slice.map { perDecision * Double(weight($0)) } }
            }
        }
        return samples
    }

    /// The median cost, in microseconds, of the clock readings around one timed item.
    static func clockCost() -> Double {
        let clock = ContinuousClock()
        return Summary((0..<100_000).map { _ in
            let start = clock.now
            return microseconds(clock.now - start)
        }).p50
    }
}
