import BatonCore
import Foundation
import Yams

/// The Fellegi–Sunter model of `policies/identity.yaml`: for each field and agreement level, the
/// probability of that level among true matches (m) and among non-matches (u); the prior
/// probability that two records are the same person; and the thresholds on the match
/// probability for an automatic link and for human review.
///
/// A comparison's match weight is log2(prior odds) plus, for every field both records have,
/// log2(m/u) of the level reached (a move, several home fields "different", counted once:
/// ``weight(_:weights:)``). Parameters can be estimated from the hub's own records by
/// ``Estimator`` (random pairs for u, expectation–maximisation over blocked pairs for m), as
/// Splink does.
public struct MatchModel: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        public var m: [Double]
        public var u: [Double]
        public init(m: [Double], u: [Double]) {
            self.m = m
            self.u = u
        }
    }

    public var prior: Double
    public var linkThreshold: Double
    public var reviewThreshold: Double
    public var parameters: [MatchField: Parameters]

    public init(prior: Double, linkThreshold: Double, reviewThreshold: Double, parameters: [MatchField: Parameters]) {
        self.prior = prior
        self.linkThreshold = linkThreshold
        self.reviewThreshold = reviewThreshold
        self.parameters = parameters
    }

    /// Bayes factors as log2(m/u), precomputed per field and level.
    public var weights: [[Double]] {
        MatchField.allCases.map { field in
            guard let p = parameters[field] else { return Array(repeating: 0, count: field.levels.count) }
            return zip(p.m, p.u).map { m, u in log2(max(m, 1e-9) / max(u, 1e-9)) }
        }
    }

    public var priorWeight: Double { log2(prior / (1 - prior)) }

    /// The match weight of a comparison: the prior's plus each compared field's, except that
    /// where more than one of the fields of a home (``MatchField/homeFields``) disagrees outright,
    /// only the strongest of those disagreements counts.
    ///
    /// Postcode, address and town describe one home. A child who moves changes all three at once:
    /// that is one piece of evidence (the records are from different homes), and adding the three
    /// weights would count it three times. Agreements still add up: each of the three can be
    /// mistyped on its own, so agreeing on all of them says more than agreeing on one.
    public func weight(_ vector: ComparisonVector, weights: [[Double]]) -> Double {
        var total = priorWeight
        vector.forEachCounted(strength: { weights[$0][$1] }) { total += weights[$0][$1] }
        return total
    }

    public static func probability(weight: Double) -> Double {
        let odds = pow(2, weight)
        return odds.isInfinite ? 1 : odds / (1 + odds)
    }

    // MARK: - The policy file

    /// Reads `identity.yaml`; every problem names the file and field.
    public static func load(_ text: String, file: String = "identity.yaml") throws -> MatchModel {
        var reader = YAMLReader(file: file)
        guard let root = reader.parse(text), let map = reader.mapping(root, field: "", allowed: ["prior", "thresholds", "comparisons", "version", "estimated"]) else {
            throw ConfigurationErrors(reader.errors)
        }
        func number(_ node: Node?, _ field: String, line: Int?) -> Double? {
            guard let node else {
                reader.report(line, field, "is required")
                return nil
            }
            guard let text = node.scalar?.string, let value = Double(text), value.isFinite else {
                reader.report(node.mark?.line ?? line, field, "must be a number")
                return nil
            }
            return value
        }
        let prior = number(map["prior"], "prior", line: map.line)
        if let prior, !(prior > 0 && prior < 1) { reader.report(map["prior"]?.mark?.line, "prior", "must be between 0 and 1 (exclusive)") }
        var link: Double?
        var review: Double?
        if let thresholds = reader.mapping(map, "thresholds", allowed: ["link", "review"], required: true) {
            link = number(thresholds["link"], "thresholds.link", line: thresholds.line)
            review = number(thresholds["review"], "thresholds.review", line: thresholds.line)
            if let link, let review, !(0 < review && review <= link && link < 1) {
                reader.report(thresholds.line, "thresholds", "need 0 < review ≤ link < 1 (match probabilities)")
            }
        }
        var parameters: [MatchField: Parameters] = [:]
        if let comparisons = reader.mapping(map, "comparisons", allowed: Set(MatchField.allCases.map(\.rawValue)), required: true) {
            for field in MatchField.allCases {
                guard let entry = reader.mapping(comparisons, field.rawValue, allowed: ["m", "u", "levels"]) else { continue }
                var vectors: [String: [Double]] = [:]
                for key in ["m", "u"] {
                    let path = entry.path(key)
                    guard let sequence = entry[key]?.sequence else {
                        reader.report(entry.line, path, "is required: one probability per level (\(field.levels.joined(separator: ", ")))")
                        continue
                    }
                    let values = sequence.compactMap { $0.scalar?.string }.compactMap(Double.init)
                    guard values.count == field.levels.count, values.count == sequence.count else {
                        reader.report(entry[key]?.mark?.line, path, "needs \(field.levels.count) numbers, one per level: \(field.levels.joined(separator: ", "))")
                        continue
                    }
                    guard values.allSatisfy({ $0 > 0 && $0 <= 1 }), abs(values.reduce(0, +) - 1) < 0.01 else {
                        reader.report(entry[key]?.mark?.line, path, "must be probabilities above 0 that add up to 1")
                        continue
                    }
                    vectors[key] = values
                }
                if let m = vectors["m"], let u = vectors["u"] { parameters[field] = Parameters(m: m, u: u) }
            }
        }
        guard reader.errors.isEmpty, let prior, let link, let review else { throw ConfigurationErrors(reader.errors) }
        return MatchModel(prior: prior, linkThreshold: link, reviewThreshold: review, parameters: parameters)
    }

    /// The model as `identity.yaml` text, with a comment per field naming its levels.
    public func yaml(header: String) -> String {
        func list(_ values: [Double]) -> String { "[" + values.map { String(format: "%.6g", $0) }.joined(separator: ", ") + "]" }
        var lines = header.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }
        lines.append("prior: \(String(format: "%.6g", prior))")
        lines.append("thresholds:")
        lines.append("  link: \(linkThreshold)")
        lines.append("  review: \(reviewThreshold)")
        lines.append("comparisons:")
        for field in MatchField.allCases {
            guard let p = parameters[field] else { continue }
            if field == .postcode {
                lines.append("  # Postcode, address and town describe one home: when more than one of them is \"different\"")
                lines.append("  # (a move), only the strongest of those disagreements counts.")
            }
            lines.append("  # levels: \(field.levels.joined(separator: ", "))")
            lines.append("  \(field.rawValue):")
            lines.append("    m: \(list(p.m))")
            lines.append("    u: \(list(p.u))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
