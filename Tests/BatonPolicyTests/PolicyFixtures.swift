import BatonCore
import BatonPolicy
import Foundation
import Testing

/// The sample agency registry (`agencies/*.yaml`), built by hand: this test target does not
/// depend on BatonSigning. `sampleAgenciesMirrorTheRegistry` checks they match the files.
enum SampleAgencies {
    static func agency(_ id: String, _ type: AgencyType, _ name: String, codes: [String: String], rungs: [String]) -> Agency {
        Agency(
            id: AgencyID(rawValue: id)!, type: type, name: name, codes: codes,
            escalation: rungs.enumerated().map { EscalationStep(level: $0.offset + 1, role: $0.element, email: "\($0.element)@\(id).example.org") })
    }

    static let gp = agency("gp-riverside-surgery", .health, "Riverside Surgery", codes: ["ods": "Y99001"],
        rungs: ["practice-safeguarding-lead", "practice-manager"])
    static let mash = agency("northmoor-mash", .socialCare, "Northmoor Council Children's Services (MASH)", codes: ["la": "995"],
        rungs: ["mash-team-manager", "service-manager", "head-of-service"])
    static let trust = agency("northmoor-nhs-trust", .health, "Northmoor Hospitals NHS Foundation Trust", codes: ["ods": "R9N"],
        rungs: ["named-nurse-safeguarding", "named-doctor-safeguarding", "chief-nurse"])
    static let police = agency("police-northmoor", .police, "Northmoor Police", codes: ["force": "97"],
        rungs: ["ppu-sergeant", "ppu-inspector", "superintendent-public-protection"])
    static let ashgrove = agency("school-ashgrove-primary", .school, "Ashgrove Primary School", codes: ["urn": "990101", "la": "995"],
        rungs: ["designated-safeguarding-lead", "headteacher"])
    static let academy = agency("school-northmoor-academy", .school, "Northmoor Academy", codes: ["urn": "990102", "la": "995"],
        rungs: ["designated-safeguarding-lead", "principal"])

    static let fostering = agency("northmoor-fostering", .other, "Northmoor Family Placements", codes: [:],
        rungs: ["supervising-social-worker", "registered-manager"])

    static let all = [gp, mash, trust, police, ashgrove, academy, fostering]
}

/// The shipped policy files, read once, and variations of them with one mistake each.
enum ShippedPolicies {
    static let directory = RepositoryRoot.file("policies")

    /// 1 June 2026: the shipped calendar has more than a year left.
    static let now = RFC3339.parse("2026-06-01T12:00:00Z")!

    static let texts: [String: String] = {
        var texts: [String: String] = [:]
        for name in PolicySet.files {
            let path = (directory as NSString).appendingPathComponent(name)
            texts[name] = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        return texts
    }()

    static func load(agencies: [Agency] = SampleAgencies.all, now: Date = now) throws -> PolicySet {
        try PolicySet.load(directory: directory, agencies: agencies, now: now)
    }

    /// Parses the shipped files with `file`'s text replaced, under the display path
    /// `policies/<name>`; returns the errors (empty when the files load).
    static func errors(
        in files: [String: String] = [:], agencies: [Agency] = SampleAgencies.all, now: Date = now
    ) -> [ConfigurationError] {
        var given: [String: (path: String, text: String)] = [:]
        for name in PolicySet.files { given[name] = ("policies/\(name)", files[name] ?? texts[name]!) }
        do {
            _ = try PolicySet.parse(texts: given, agencies: agencies, now: now)
            return []
        } catch {
            return error.errors
        }
    }
}

/// `text` with the one occurrence of `old` replaced by `new`; records an issue (and changes
/// nothing) if `old` does not occur exactly once, so a change to the shipped files cannot make a
/// mistake test pass vacuously.
func replacingOnce(_ text: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let parts = text.components(separatedBy: old)
    guard parts.count == 2 else {
        Issue.record("expected exactly one occurrence of \(old.debugDescription), found \(parts.count - 1)", sourceLocation: sourceLocation)
        return text
    }
    return parts.joined(separator: new)
}
