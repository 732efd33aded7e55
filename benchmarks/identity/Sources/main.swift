// The identity benchmarks (benchmarks/identity): accuracy of linking on labelled data sets, and
// resolution time, memory and start-up at a million persons.
//
//   baton-bench-identity link --input set.csv --output set.baton.csv [--model policies/identity.yaml]
//   baton-bench-identity pairs --input set.csv --pairs pairs.csv [--model estimated.yaml]
//   baton-bench-identity scale [--persons 1000000]
//
// `link` reads records in the CSV contract of benchmarks/identity/README.md, estimates the model's
// m and u from the records themselves (random pairs and EM, as Splink does; thresholds from the
// policy), then links every record in order, as the hub would as messages arrive, and writes
// `rec_id,person,outcome,candidate,score` for evaluate.py.
import BatonCore
import BatonIdentity
import Foundation
import SwiftCSV

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("baton-bench-identity: \(message)\n".utf8))
    exit(2)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func loadPolicy(_ arguments: [String]) -> (MatchModel, Nicknames) {
    let modelPath = option("--model", in: arguments) ?? "policies/identity.yaml"
    let nicknamePath = option("--nicknames", in: arguments) ?? "policies/identity/nicknames.csv"
    do {
        let model = try MatchModel.load(try String(contentsOfFile: modelPath, encoding: .utf8), file: modelPath)
        let nicknames = try Nicknames(csv: try String(contentsOfFile: nicknamePath, encoding: .utf8), source: nicknamePath)
        return (model, nicknames)
    } catch {
        fail("\(error)")
    }
}

/// One CSV row as a normalised record. FEBRL's postcodes are Australian (four digits): they are
/// compared as given, not as UK postcodes.
func record(_ row: [String: String]) -> MatchRecord {
    func field(_ name: String) -> String? {
        guard let value = row[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
    let postcode = field("postcode").map { Normalise.postcode($0) ?? $0.uppercased().filter { !$0.isWhitespace } }
    let address = field("address").map(Normalise.fold).flatMap { $0.isEmpty ? nil : $0 }
    let town = field("town").map(Normalise.fold).flatMap { $0.isEmpty ? nil : $0 }
    let sex: Sex? = switch field("sex")?.uppercased() {
    case "F": .female
    case "M": .male
    default: nil
    }
    return MatchRecord(
        given: field("given_name").map(Normalise.nameParts) ?? [], surname: field("surname").map(Normalise.surnameParts) ?? [],
        dob: field("dob").flatMap { CalendarDate(iso8601: $0) }, sex: sex, postcode: postcode, address: address, town: town,
        otherID: field("other_id").map { $0.filter { !$0.isWhitespace } }, nhs: field("nhs_number").flatMap(Normalise.nhsNumber),
        upn: field("upn").flatMap(Normalise.upn))
}

/// The input file's rows (the CSV contract of benchmarks/identity/README.md).
func rows(of input: String) -> [[String: String]] {
    do { return try CSV<Named>(url: URL(fileURLWithPath: input), delimiter: .comma).rows } catch { fail("\(input): \(error)") }
}

func link(_ arguments: [String]) {
    guard let input = option("--input", in: arguments), let output = option("--output", in: arguments) else {
        fail("usage: link --input set.csv --output set.baton.csv [--model identity.yaml] [--nicknames nicknames.csv] [--no-estimate] [--link-threshold P]")
    }
    let (policyModel, nicknames) = loadPolicy(arguments)
    let rows = rows(of: input)
    let records = rows.map(record)
    let ids = rows.map { $0["rec_id"] ?? "" }

    var model = policyModel
    let started = Date()
    if !arguments.contains("--no-estimate") {
        let everyone = PersonIndex(nicknames: nicknames)
        for record in records { everyone.add(record, person: UUID()) }
        let report = Estimator(comparator: Comparator(nicknames: nicknames)).estimate(from: everyone, starting: policyModel)
        model = report.model
        FileHandle.standardError.write(Data(String(format: "  estimated from %d records, %d blocked pairs (%.0f expected matches, %d EM rounds), prior %.3g, in %.1f s\n",
            report.records, report.blockedPairs, report.expectedMatches, report.iterations, model.prior, Date().timeIntervalSince(started)).utf8))
        if let path = option("--write-model", in: arguments) {
            try? model.yaml(header: "Estimated by baton-bench-identity from \(input)").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    // The policy's link threshold unless told otherwise (the benchmark also links at Splink's, to
    // compare the linkers at one threshold).
    if let text = option("--link-threshold", in: arguments) {
        guard let threshold = Double(text), threshold >= model.reviewThreshold, threshold < 1 else {
            fail("--link-threshold \(text): need a match probability at or above the review threshold (\(model.reviewThreshold)) and below 1")
        }
        model.linkThreshold = threshold
    }
    let resolver = Resolver(model: model, nicknames: nicknames)
    let index = PersonIndex(nicknames: nicknames)
    var firstRecord: [UUID: String] = [:]
    // Person ids from a seeded generator: candidates tied on weight are ordered by id, so random
    // ids made which of them a review names vary from run to run.
    var idGenerator = SeededGenerator(seed: 2026)
    func newPerson() -> UUID {
        let (high, low) = (idGenerator.next(), idGenerator.next())
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { bytes in
            UUID(uuid: bytes.load(as: uuid_t.self))
        }
    }
    var lines = ["rec_id,person,outcome,candidate,score"]
    var outcomes: [String: Int] = [:]
    let linking = Date()
    for (id, record) in zip(ids, records) {
        let resolution = resolver.resolve(record, in: index)
        let person: UUID
        var candidate = ""
        switch resolution.outcome {
        case .linked(let existing): person = existing
        case .new: person = newPerson()
        case .review(let other):
            person = newPerson()
            candidate = firstRecord[other] ?? ""
        }
        index.add(record, person: person)
        if firstRecord[person] == nil { firstRecord[person] = id }
        let outcome = "\(resolution.matchOutcome.rawValue)"
        outcomes[outcome, default: 0] += 1
        let score = resolution.candidates.first.map { String(format: "%.6f", $0.probability) } ?? ""
        lines.append("\(id),\(person.uuidString.lowercased()),\(outcome),\(candidate),\(score)")
    }
    let seconds = Date().timeIntervalSince(linking)
    do { try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8) } catch { fail("\(output): \(error)") }
    FileHandle.standardError.write(Data(String(format: "  linked %d records in %.2f s (%.0f µs each): %@\n", records.count, seconds,
        seconds / Double(max(records.count, 1)) * 1e6, outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")).utf8))
}

/// `pairs --input set.csv --pairs pairs.csv [--model m.yaml]`: for each `rec_a,rec_b` line, the
/// comparison, weight, probability and vetoes Baton's resolver computes between the two records
/// (for applying the same vetoes to another tool's predictions, and for reading misses).
func pairs(_ arguments: [String]) {
    guard let input = option("--input", in: arguments), let pairsPath = option("--pairs", in: arguments) else {
        fail("usage: pairs --input set.csv --pairs pairs.csv [--model identity.yaml] [--output out.csv]")
    }
    let (model, nicknames) = loadPolicy(arguments)
    var byID: [String: MatchRecord] = [:]
    for row in rows(of: input) { byID[row["rec_id"] ?? ""] = record(row) }
    guard let text = try? String(contentsOfFile: pairsPath, encoding: .utf8) else { fail("\(pairsPath): cannot read") }
    let resolver = Resolver(model: model, nicknames: nicknames)
    let weights = model.weights
    var lines = ["rec_a,rec_b,weight,probability,vetoes," + MatchField.allCases.map(\.rawValue).joined(separator: ",")]
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
        let ids = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard ids.count >= 2, let a = byID[ids[0]], let b = byID[ids[1]] else { fail("\(pairsPath): unknown pair \(line)") }
        let vector = resolver.comparator.compare(a, b)
        let weight = model.weight(vector, weights: weights)
        let vetoes = Resolver.vetoes(a, b, vector).map(\.rawValue).joined(separator: ";")
        let levels = MatchField.allCases.map { field in vector[field].map { field.levels[$0] } ?? "" }
        lines.append("\(ids[0]),\(ids[1]),\(String(format: "%.3f", weight)),\(String(format: "%.6f", MatchModel.probability(weight: weight))),\(vetoes),"
            + levels.joined(separator: ","))
    }
    let result = lines.joined(separator: "\n") + "\n"
    if let output = option("--output", in: arguments) {
        do { try result.write(toFile: output, atomically: true, encoding: .utf8) } catch { fail("\(output): \(error)") }
    } else {
        print(result, terminator: "")
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "link": link(arguments)
case "pairs": pairs(arguments)
case "scale": try await scale(arguments)
default: fail("usage: baton-bench-identity link|pairs|scale [options]")
}
