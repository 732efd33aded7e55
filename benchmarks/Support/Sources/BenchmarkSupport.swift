// What several benchmarks under benchmarks/ share: the machine they ran on and how their timings
// are summarised.
import Foundation

/// The processor's model name from /proc/cpuinfo ("?" where there is none).
public let cpuModel: String = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "?"

/// The value at fraction `p` (0...1) of `values` in order, by rounding to the nearest rank.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

public func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
