import BatonCore
import BatonPolicy
import BatonSigning
import BenchmarkSupport
import Foundation

/// Need-to-know decision benchmark (benchmarks/policy; issue: decision time beside Cedar).
///
/// Builds a `--rules`-rule need-to-know policy (default 100): the shipped rules of
/// `policies/need-to-know.yaml` plus generated rules over the sample area's agencies, purposes
/// and labels, loaded with the shipped other policy files through `PolicySet.parse`, so it passes
/// the hub's own validation. Draws seeded (message, recipient) pairs whose messages carry 5–12
/// labelled sections, and times deciding all of a pair's sections (one item's redaction):
///   1. each pair alone, many passes in random order after warm-up passes;
///   2. in batches of `--batch` pairs, per decision × labels: the method `run.py` uses for Cedar.
/// Writes, for `run.py`: the same policy in Cedar, the entities, every pair with Baton's
/// decisions, and Baton's figures. Also times a referral's items (the MASH, a school, a health
/// body, the police) under the SHIPPED policy, with and without encoding the decision records,
/// for redaction's share of intake.
struct Options {
    var rules = 100
    var pairs = 2_000
    var alonePasses = 30
    var batch = 100
    var passes = 5
    var referrals = 500
    var seed: UInt64 = 2026
    var out = ".build-bench/policy"

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rules": rules = Int(iterator.next() ?? "") ?? rules
            case "--pairs": pairs = Int(iterator.next() ?? "") ?? pairs
            case "--alone-passes": alonePasses = Int(iterator.next() ?? "") ?? alonePasses
            case "--batch": batch = Int(iterator.next() ?? "") ?? batch
            case "--passes": passes = Int(iterator.next() ?? "") ?? passes
            case "--referrals": referrals = Int(iterator.next() ?? "") ?? referrals
            case "--seed": seed = UInt64(iterator.next() ?? "") ?? seed
            case "--out": out = iterator.next() ?? out
            case "--quick": pairs = 500; alonePasses = 10; passes = 2; referrals = 100
            default:
                print("usage: baton-bench-policy [--rules N] [--pairs N] [--alone-passes N] [--batch PAIRS] [--passes N] [--referrals N] [--seed N] [--out DIR] [--quick]")
                exit(2)
            }
        }
    }
}

/// A pair as `run.py` reads it: the Cedar request's parts and Baton's decision for each label.
struct Pair: Encodable {
    var recipient: String
    var context: Cedar.Context
    var labels: [String]
    var shown: [Bool]
    /// The rule that decided each label; nil for default deny.
    var rules: [String?]
}

/// Baton's side of the comparison, for `run.py` to report beside Cedar's.
struct Figures: Encodable {
    struct Referral: Encodable {
        var referrals: Int
        var itemsPerReferral: Int
        var meanLabels: Double
        var shippedRules: Int
        var decisions: Summary
        var decisionsAndRecords: Summary
        var decisionsLargePolicy: Summary
    }
    var rules: Int
    var generatedRules: Int
    var forbidRules: Int
    var pairs: Int
    var decisions: Int
    var meanLabels: Double
    var batchPairs: Int
    var passes: Int
    var alonePasses: Int
    var clockCostMicros: Double
    var shownShare: Double
    var decidedBy: [String: Int]
    var rulesThatDecided: Int
    var alone: Summary
    var batched: Summary
    var referral: Referral
}

/// Loads configuration or stops with its errors (file, line, field).
func loading<T>(_ what: String, _ body: () throws(ConfigurationErrors) -> T) -> T {
    do { return try body() } catch {
        print("\(what) did not load:\n\(error)")
        exit(1)
    }
}

func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

let options = Options(CommandLine.arguments)
let cpu = cpuModel
print("Baton need-to-know benchmark")
print("  machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)")

let agencies = Array(loading("agencies/") { () throws(ConfigurationErrors) in try AgencyRegistry.load(directory: "agencies") }.agencies.values)
let shipped = loading("policies/") { () throws(ConfigurationErrors) in try PolicySet.load(directory: "policies", agencies: agencies) }
let area = Area(agencies: agencies, policies: shipped)
var random = SeededRandom(seed: options.seed)

// The larger policy: the shipped rules, then generated ones, through the hub's own loader.
let generated = (0..<max(0, options.rules - shipped.needToKnow.rules.count)).map { GeneratedRule.make($0 + 1, area: area, &random) }
let shippedRules = shipped.files["need-to-know.yaml"] ?? ""
let largeText = shippedRules + (shippedRules.hasSuffix("\n") ? "" : "\n") + generated.map(\.yaml).joined()
try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
let largePath = options.out + "/need-to-know.yaml"
try largeText.write(toFile: largePath, atomically: true, encoding: .utf8)
var texts = Dictionary(uniqueKeysWithValues: shipped.files.map { ($0.key, (path: "policies/" + $0.key, text: $0.value)) })
texts["need-to-know.yaml"] = (largePath, largeText)
let large = loading(largePath) { () throws(ConfigurationErrors) in try PolicySet.parse(texts: texts, agencies: agencies) }
let policy = large.needToKnow
let forbids = policy.rules.filter { $0.effect == .forbid }.count
print("  policy: \(policy.rules.count) rules (\(shipped.needToKnow.rules.count) shipped, \(generated.count) generated; \(forbids) forbid), \(area.labels.count) labels, \(area.agencies.count) agencies; \(largePath)")

// The inputs and Baton's decisions on them.
let inputs = Inputs.pairs(options.pairs, area: area, &random)
let decisions = inputs.map { input in input.labels.map { policy.decide($0, for: input.request) } }
let all = decisions.flatMap { $0 }
let shownShare = Double(all.filter(\.shown).count) / Double(all.count)
let ruleEffects = Dictionary(uniqueKeysWithValues: policy.rules.map { ($0.id, $0.effect.rawValue) })
let decidedBy = Dictionary(grouping: all) { decision in
    decision.rule.map { ruleEffects[$0] ?? $0 } ?? "default deny"
}.mapValues(\.count)
let meanLabels = Double(all.count) / Double(inputs.count)
let decidingRules = Set(all.compactMap(\.rule)).count
print("  inputs: \(inputs.count) (message, recipient) pairs, \(all.count) section decisions (mean \(format(meanLabels, 1)) labels); "
    + "\(format(shownShare * 100, 1))% shown; decided by \(decidedBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); "
    + "\(decidingRules) rules (the consent check among them) decided something")

// Timing.
let clockCost = Timing.clockCost()
print("  timing each pair alone: \(options.alonePasses) passes in random order after 5 warm-up passes (clock readings cost \(format(clockCost * 1000, 0)) ns, included) …")
let alone = Summary(Timing.eachAlone(inputs, passes: options.alonePasses, warmUp: 5, &random) { decideAll($0, with: policy) })
print("    per pair: p50 \(format(alone.p50)) µs, p99 \(format(alone.p99)) µs, mean \(format(alone.mean)) µs")
print("  timing batches of \(options.batch) pairs: \(options.passes) passes after 1 warm-up pass …")
let batched = Summary(Timing.batched(inputs, batch: options.batch, passes: options.passes, weight: { $0.labels.count }) { decideAll($0, with: policy) })
print("    per pair: p50 \(format(batched.p50)) µs, p99 \(format(batched.p99)) µs, mean \(format(batched.mean)) µs (\(format(batched.mean / meanLabels * 1000, 0)) ns per decision)")

// A referral's items under the shipped policy, for redaction's share of intake.
let referrals = Inputs.referrals(options.referrals, area: area, &random)
let referralLabels = Double(referrals.reduce(0) { $0 + $1[0].labels.count }) / Double(referrals.count)
print("  timing \(referrals.count) referrals × \(referrals[0].count) items (mean \(format(referralLabels, 1)) labels) under the shipped policy (\(shipped.needToKnow.rules.count) rules) …")
func timeReferrals(_ work: (Input) -> Int) -> Summary {
    var order = SeededRandom(seed: options.seed)
    return Summary(Timing.eachAlone(referrals, passes: options.alonePasses, warmUp: 5, &order) { $0.reduce(0) { $0 + work($1) } })
}
let referral = Figures.Referral(
    referrals: referrals.count, itemsPerReferral: referrals[0].count, meanLabels: referralLabels, shippedRules: shipped.needToKnow.rules.count,
    decisions: timeReferrals { decideAll($0, with: shipped.needToKnow) },
    decisionsAndRecords: timeReferrals { decisionRecord($0, policies: shipped).utf8.count },
    decisionsLargePolicy: timeReferrals { decideAll($0, with: policy) })
print("    decisions p50 \(format(referral.decisions.p50)) µs, p99 \(format(referral.decisions.p99)) µs; "
    + "with the decision records encoded p50 \(format(referral.decisionsAndRecords.p50)) µs, p99 \(format(referral.decisionsAndRecords.p99)) µs; "
    + "under the \(policy.rules.count)-rule policy p50 \(format(referral.decisionsLargePolicy.p50)) µs")

// For run.py.
let figures = Figures(
    rules: policy.rules.count, generatedRules: generated.count, forbidRules: forbids, pairs: inputs.count, decisions: all.count,
    meanLabels: meanLabels, batchPairs: options.batch, passes: options.passes, alonePasses: options.alonePasses, clockCostMicros: clockCost,
    shownShare: shownShare, decidedBy: decidedBy, rulesThatDecided: decidingRules, alone: alone, batched: batched, referral: referral)
let pairs = zip(inputs, decisions).map { input, decided in
    Pair(recipient: input.request.recipient.rawValue, context: Cedar.Context(input.request), labels: input.labels,
        shown: decided.map(\.shown), rules: decided.map(\.rule))
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
try Cedar.policies(policy).write(toFile: options.out + "/policies.cedar", atomically: true, encoding: .utf8)
try encoder.encode(Cedar.entities(agencies: area.agencies, labels: area.labels)).write(to: URL(fileURLWithPath: options.out + "/entities.json"))
try encoder.encode(pairs).write(to: URL(fileURLWithPath: options.out + "/requests.json"))
try encoder.encode(figures).write(to: URL(fileURLWithPath: options.out + "/baton.json"))
print("  wrote \(options.out)/{policies.cedar, entities.json, requests.json, baton.json} (sink \(Timing.sink))")
