import BatonCore
import Foundation

/// The three figures the issue names, each beside its target and the reference measured in the
/// same run, as a table and (with `--output`) JSON. Exit 0 when every target given is met.
enum Report {
    /// One intake peak (`baton-bench-intake --peak-only --output`).
    struct IntakeRun {
        var rate: Double
        var p99: Double
        var hubMicros: Double
        var perCommit: Double
        var ranOut: Bool

        init?(path: String) {
            guard let data = FileManager.default.contents(atPath: path), let json = try? StrictJSON.parse(Array(data)),
                let peak = json.objectValue?["peak"]?.objectValue, let rate = peak["messagesPerSecond"]?.numberValue
            else { return nil }
            self.rate = rate
            p99 = peak["p99ms"]?.numberValue ?? .nan
            hubMicros = json.objectValue?["cpuMicrosPerMessage"]?.objectValue?["hub"]?.numberValue ?? .nan
            perCommit = json.objectValue?["messagesPerCommit"]?.numberValue ?? .nan
            ranOut = json.objectValue?["ranOut"]?.boolValue ?? false
        }

        var json: JSONValue {
            ["messagesPerSecond": .number(rate), "p99ms": .number(p99), "hubCPUMicrosPerMessage": .number(hubMicros), "messagesPerCommit": .number(perCommit)]
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func number(_ value: Double, _ digits: Int = 0) -> String {
        digits == 0 ? Int(value.rounded()).formatted() : String(format: "%.\(digits)f", value)
    }

    static func verdict(_ met: Bool) -> String { met ? "MET" : "NOT MET" }

    static func run(_ options: Options) throws -> Int32 {
        var rows: [(String, String, String)] = []
        var json: JSONObject = ["machine": machine, "date": .string(String(RFC3339.format(Date()).prefix(10)))]
        var allMet = true

        let on = options.intakeOn.compactMap(IntakeRun.init(path:))
        let off = options.intakeOff.compactMap(IntakeRun.init(path:))
        if !on.isEmpty, !off.isEmpty {
            let onRate = median(on.map(\.rate))
            let offRate = median(off.map(\.rate))
            let ratio = onRate / offRate
            let met = ratio >= 0.9
            // Each round's on and off ran one after the other: their ratio leaves out the machine's
            // slower drift between rounds.
            let pairs = zip(on, off).map { $0.rate / $1.rate }
            allMet = allMet && met
            let runs = { (runs: [IntakeRun]) in runs.map { number($0.rate) }.joined(separator: ", ") }
            rows.append(("Intake peak, audit log on", "\(number(onRate)) msg/s (median of \(on.count): \(runs(on)))", "hub CPU \(number(median(on.map(\.hubMicros)))) µs/msg"))
            rows.append(("Intake peak, audit log off", "\(number(offRate)) msg/s (median of \(off.count): \(runs(off)))", "hub CPU \(number(median(off.map(\.hubMicros)))) µs/msg"))
            rows.append(("  on / off", "\(number(ratio, 3)) (medians)", "target ≥ 0.90: \(verdict(met))"))
            rows.append(("  on / off, round by round", "\(pairs.map { number($0, 2) }.joined(separator: ", ")) (median \(number(median(pairs), 3)))", ""))
            if (on + off).contains(where: \.ranOut) { rows.append(("  WARNING", "a run ran out of pre-signed messages", "its rate is wrong")) }
            json["intake"] = [
                "on": .array(on.map(\.json)), "off": .array(off.map(\.json)), "medianOn": .number(onRate), "medianOff": .number(offRate),
                "ratio": .number((ratio * 1000).rounded() / 1000), "roundRatios": .array(pairs.map { .number(($0 * 1000).rounded() / 1000) }),
                "medianRoundRatio": .number((median(pairs) * 1000).rounded() / 1000), "targetMet": .bool(met),
            ]
        }

        if let path = options.proofsFile, let proofs = read(ProofFigures.self, from: path) {
            let entries = proofs.log.entries.formatted()
            let inclusionMet = proofs.inclusion.p99 < 1000
            let consistencyMet = proofs.consistency.p99 < 1000
            allMet = allMet && inclusionMet && consistencyMet
            func cell(_ t: Timing) -> String { "p50 \(micros(t.p50)) µs, p99 \(micros(t.p99)) µs, max \(micros(t.max)) µs" }
            let cache = proofs.residentBefore.map { "\($0 / (1 << 20)) MiB of \(proofs.log.databaseBytes / (1 << 20)) MiB in the page cache" } ?? "page cache unknown"
            rows.append(("Inclusion proof at \(entries), own read", cell(proofs.inclusion), "target p99 < 1,000 µs: \(verdict(inclusionMet)) (\(proofs.inclusion.overOneMillisecond) of \(proofs.inclusion.samples) ≥ 1 ms)"))
            rows.append(("  warm (audit_node read through)", cell(proofs.inclusionWarm), "\(proofs.inclusionWarm.overOneMillisecond) ≥ 1 ms"))
            rows.append(("  warm, in one read (proof alone)", cell(proofs.inclusionInOneRead), ""))
            rows.append(("Consistency proof at \(entries), own read", cell(proofs.consistency), "target p99 < 1,000 µs: \(verdict(consistencyMet)) (\(proofs.consistency.overOneMillisecond) of \(proofs.consistency.samples) ≥ 1 ms)"))
            rows.append(("  warm (audit_node read through)", cell(proofs.consistencyWarm), "\(proofs.consistencyWarm.overOneMillisecond) ≥ 1 ms"))
            rows.append(("  warm, in one read (proof alone)", cell(proofs.consistencyInOneRead), ""))
            if let emptyRead = proofs.emptyRead { rows.append(("A read that asks nothing (the store's round trip)", cell(emptyRead), "part of every own-read figure")) }
            rows.append(("  database as found", cache, ""))
            rows.append(("  log", "\(proofs.log.heads.formatted()) signed heads, \(proofs.log.databaseBytes / (1 << 20)) MiB, mean entry \(Int(proofs.log.meanBody.rounded())) B", "built in \(number(proofs.log.buildSeconds)) s\(proofs.reused ? " (earlier; reused)" : ""), checked in \(number(proofs.log.checkSeconds)) s"))
            json["proofs"] = .object([
                "entries": .number(Double(proofs.log.entries)), "heads": .number(Double(proofs.log.heads)),
                "databaseBytes": .number(Double(proofs.log.databaseBytes)), "buildSeconds": .number(proofs.log.buildSeconds.rounded()),
                "inclusion": timing(proofs.inclusion), "consistency": timing(proofs.consistency),
                "inclusionWarm": timing(proofs.inclusionWarm), "consistencyWarm": timing(proofs.consistencyWarm),
                "inclusionInOneRead": timing(proofs.inclusionInOneRead), "consistencyInOneRead": timing(proofs.consistencyInOneRead),
                "emptyRead": proofs.emptyRead.map { timing($0) } ?? .null,
                "residentBytesBefore": proofs.residentBefore.map { .number(Double($0)) } ?? .null,
                "verified": .number(Double(proofs.verified)), "targetMet": .bool(inclusionMet && consistencyMet),
            ])
        }

        var verifyJSON: [JSONValue] = []
        for path in options.verifyFiles {
            guard let verify = read(VerifyFigures.self, from: path) else { continue }
            let met = verify.medianSeconds < 30
            // The target is for the issue's entries; hub-sized ones are shown beside them.
            if !verify.log.hubSized { allMet = allMet && met }
            let runs = verify.verify.map { number($0.seconds, 1) }.joined(separator: ", ")
            let cpu = median(verify.verify.map { $0.userSeconds + $0.systemSeconds })
            rows.append(("Verify \(verify.log.entries.formatted()) \(verify.log.hubSized ? "hub-sized " : "")entries (baton audit verify)", "\(number(verify.medianSeconds, 1)) s (median of \(verify.verify.count): \(runs)); \(number(verify.entriesPerSecond)) entries/s", "target < 30 s: \(verdict(met))"))
            rows.append(("  file", "\(verify.exportBytes / (1 << 20)) MiB (mean entry \(Int(verify.log.meanBody.rounded())) B), \(verify.log.heads.formatted()) signed heads; CPU \(number(cpu, 1)) s, max RSS \(number(verify.verify.map(\.maxRSSMiB).max() ?? .nan)) MiB", "export took \(number(verify.export.seconds, 1)) s"))
            rows.append(("  AuditVerifier in-process", "\(number(verify.librarySeconds, 1)) s (lines found with memchr, not String.split)", "for comparison only"))
            verifyJSON.append([
                "entries": .number(Double(verify.log.entries)), "hubSized": .bool(verify.log.hubSized), "meanEntryBytes": .number(verify.log.meanBody.rounded()), "heads": .number(Double(verify.log.heads)), "exportBytes": .number(Double(verify.exportBytes)),
                "exportSeconds": .number(verify.export.seconds), "verifySeconds": .array(verify.verify.map { .number($0.seconds) }),
                "medianSeconds": .number(verify.medianSeconds), "entriesPerSecond": .number(verify.entriesPerSecond.rounded()),
                "maxRSSMiB": .number(verify.verify.map(\.maxRSSMiB).max() ?? 0), "inProcessSeconds": .number(verify.librarySeconds),
                "targetMet": .bool(met),
            ])
        }
        if !verifyJSON.isEmpty { json["verify"] = .array(verifyJSON) }

        if !options.ed25519.isEmpty {
            rows.append(("Machine: openssl ed25519 verify", options.ed25519.map { "\(number($0))/s" }.joined(separator: " at the start, ") + (options.ed25519.count > 1 ? " at the end" : ""), "one core; the machine's speed at the time"))
            json["opensslEd25519VerifyPerSecond"] = .array(options.ed25519.map(JSONValue.number))
        }
        let widths = (rows.map(\.0.count).max() ?? 0, rows.map(\.1.count).max() ?? 0)
        print("\nResult (\(machine.objectValue?["cores"]?.numberValue.map { Int($0) } ?? 0) cores, \(machine.objectValue?["cpu"]?.stringValue ?? "?"))")
        for row in rows {
            print("  " + row.0.padding(toLength: widths.0, withPad: " ", startingAt: 0) + "  " + row.1.padding(toLength: widths.1, withPad: " ", startingAt: 0) + "  " + row.2)
        }
        json["allTargetsMet"] = .bool(allMet)
        if let output = options.output {
            try JSONValue.object(json).serializedString().write(toFile: output, atomically: true, encoding: .utf8)
        }
        return allMet ? 0 : 1
    }

    static func timing(_ t: Timing) -> JSONValue {
        ["samples": .number(Double(t.samples)), "p50us": .number(t.p50), "p99us": .number(t.p99), "maxUs": .number(t.max), "overOneMillisecond": .number(Double(t.overOneMillisecond))]
    }
}
