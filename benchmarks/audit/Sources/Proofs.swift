import BatonAudit
import BatonCore
import BatonSigning
import BatonStore
import Foundation
import GRDB

/// Times of one kind of proof, in microseconds.
struct Timing: Codable {
    var samples: Int
    var p50: Double
    var p99: Double
    var max: Double
    var mean: Double
    /// How many took 1 ms or more.
    var overOneMillisecond: Int

    init(_ durations: [Duration]) {
        let micros = durations.map(\.microseconds).sorted()
        samples = micros.count
        p50 = Self.percentile(micros, 0.50)
        p99 = Self.percentile(micros, 0.99)
        max = micros.last ?? .nan
        mean = micros.reduce(0, +) / Double(Swift.max(micros.count, 1))
        overOneMillisecond = micros.count { $0 >= 1000 }
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

/// The proofs part's figures (`proofs-<entries>.json`).
struct ProofFigures: Codable {
    var log: BuiltLog
    var reused: Bool
    var appendCheckRows: Int
    /// How much of the database file the OS page cache held before the proofs, and after
    /// `audit_node` was read through once (bytes, from `fincore`; nil without it).
    var residentBefore: Int?
    var residentWarm: Int?
    /// Each proof asked in its own `SQLiteStore.read` (as a request to the hub does), with the
    /// database as found (after a warm-up of a tenth as many proofs).
    var inclusion: Timing
    var consistency: Timing
    /// The same, other random pairs, after reading `audit_node` through once.
    var inclusionWarm: Timing
    var consistencyWarm: Timing
    /// Proofs one after another inside one read, warm: the proof's own work.
    var inclusionInOneRead: Timing
    var consistencyInOneRead: Timing
    /// A `read` that asks nothing: the store's round trip (pool, transaction, task hop), part of
    /// every own-read figure.
    var emptyRead: Timing?
    var meanInclusionHashes: Double
    var meanConsistencyHashes: Double
    var verified: Int
}

/// Inclusion and consistency proofs on the built log, through `SQLiteStore`'s public read API,
/// against its signed tree heads: an inclusion proof for a random entry in the tree of a random
/// signed head at or after it, a consistency proof between two random signed heads. Three passes,
/// each on its own random pairs: each proof in its own `read` (what serving one costs the store)
/// with the database as found in the OS page cache, after a short warm-up; the same once
/// `audit_node` has been read through; one after another inside a single read (the proof alone).
/// Every proof timed is then verified (RFC 9162) with the entry's leaf hash, recomputed from its
/// bytes, and the roots the hub signed.
enum Proofs {
    struct InclusionPair: Sendable {
        var index: Int
        var size: Int
    }

    struct ConsistencyPair: Sendable {
        var old: Int
        var new: Int
    }

    static func run(path: String, log: BuiltLog, samples: Int, seed: UInt64, hubKey: HubKey) async throws -> ProofFigures {
        let store = try SQLiteStore(path: path)
        let heads = try await store.read { reader -> [(size: Int, root: Merkle.Hash)] in
            var heads: [(size: Int, root: Merkle.Hash)] = []
            try reader.forEachTreeHead { heads.append((Int($0.size), $0.root)) }
            return heads
        }
        guard let latest = try await store.read({ try $0.latestTreeHead() }),
            let signed = try? SignedTreeHead.verify(latest.jws, keys: [hubKey.kid: hubKey.key.publicKey]), signed.size == Int64(log.entries)
        else { throw BenchFailure("the latest signed head does not verify or does not cover the log") }
        let roots = Dictionary(heads.map { ($0.size, $0.root) }, uniquingKeysWith: { first, _ in first })

        var random = SeededRandom(seed: seed)
        func inclusionPairs(_ count: Int) -> [InclusionPair] {
            (0..<count).map { _ in
                let size = heads[random.below(heads.count)].size
                return InclusionPair(index: random.below(size), size: size)
            }
        }
        func consistencyPairs(_ count: Int) -> [ConsistencyPair] {
            (0..<count).map { _ in
                let a = random.below(heads.count)
                var b = random.below(heads.count)
                while b == a { b = random.below(heads.count) }
                return ConsistencyPair(old: heads[Swift.min(a, b)].size, new: heads[Swift.max(a, b)].size)
            }
        }

        // As found, after a warm-up.
        let warmUp = Swift.max(200, samples / 10)
        _ = try await ownReads(store, inclusionPairs(warmUp), consistencyPairs(warmUp))
        let residentBefore = resident(path)
        let found = (inclusion: inclusionPairs(samples), consistency: consistencyPairs(samples))
        let (inclusion, inclusionProofs, consistency, consistencyProofs) = try await ownReads(store, found.inclusion, found.consistency)

        // Warm: audit_node read through once (into the OS page cache).
        let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        _ = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(hash)) FROM audit_node") }
        try queue.close()
        let residentWarm = resident(path)
        let (inclusionWarm, _, consistencyWarm, _) = try await ownReads(store, inclusionPairs(samples), consistencyPairs(samples))

        // Warm, one after another inside one read.
        let alone = (inclusion: inclusionPairs(samples), consistency: consistencyPairs(samples))
        let (inclusionInOneRead, consistencyInOneRead) = try await store.read { reader -> ([Duration], [Duration]) in
            let clock = ContinuousClock()
            var inclusion: [Duration] = []
            var consistency: [Duration] = []
            for pair in alone.inclusion {
                let started = clock.now
                _ = try reader.inclusionProof(index: Int64(pair.index), size: Int64(pair.size))
                inclusion.append(clock.now - started)
            }
            for pair in alone.consistency {
                let started = clock.now
                _ = try reader.consistencyProof(from: Int64(pair.old), to: Int64(pair.new))
                consistency.append(clock.now - started)
            }
            return (inclusion, consistency)
        }

        // The round trip of a read that asks nothing.
        let clock = ContinuousClock()
        var emptyRead: [Duration] = []
        for _ in 0..<samples {
            let started = clock.now
            _ = try await store.read { _ in 0 }
            emptyRead.append(clock.now - started)
        }

        // Verify every proof of the first pass.
        let indices = found.inclusion.map(\.index)
        let leaves = try await store.read { reader -> [Merkle.Hash] in
            try indices.map { index in
                guard let entry = try reader.auditEntry(Int64(index)) else { throw BenchFailure("entry \(index) is missing") }
                let leaf = Merkle.leafHash(entry.body)
                guard leaf == entry.leafHash else { throw BenchFailure("entry \(index)'s stored leaf hash is not the hash of its bytes") }
                return leaf
            }
        }
        try await store.close()
        var verified = 0
        for (n, pair) in found.inclusion.enumerated() {
            guard Merkle.verifyInclusion(leafHash: leaves[n], index: pair.index, size: pair.size, proof: inclusionProofs[n], root: roots[pair.size]!) else {
                throw BenchFailure("the inclusion proof of entry \(pair.index) in the tree of \(pair.size) does not verify")
            }
            verified += 1
        }
        for (n, pair) in found.consistency.enumerated() {
            guard Merkle.verifyConsistency(oldSize: pair.old, newSize: pair.new, oldRoot: roots[pair.old]!, newRoot: roots[pair.new]!, proof: consistencyProofs[n]) else {
                throw BenchFailure("the consistency proof from \(pair.old) to \(pair.new) does not verify")
            }
            verified += 1
        }
        let meanInclusion = Double(inclusionProofs.map(\.count).reduce(0, +)) / Double(Swift.max(inclusionProofs.count, 1))
        let meanConsistency = Double(consistencyProofs.map(\.count).reduce(0, +)) / Double(Swift.max(consistencyProofs.count, 1))
        return ProofFigures(
            log: log, reused: false, appendCheckRows: 0, residentBefore: residentBefore, residentWarm: residentWarm,
            inclusion: Timing(inclusion), consistency: Timing(consistency), inclusionWarm: Timing(inclusionWarm),
            consistencyWarm: Timing(consistencyWarm), inclusionInOneRead: Timing(inclusionInOneRead),
            consistencyInOneRead: Timing(consistencyInOneRead), emptyRead: Timing(emptyRead), meanInclusionHashes: meanInclusion, meanConsistencyHashes: meanConsistency,
            verified: verified)
    }

    /// Each proof in its own `read`, timed around the call.
    static func ownReads(
        _ store: SQLiteStore, _ inclusions: [InclusionPair], _ consistencies: [ConsistencyPair]
    ) async throws -> ([Duration], [[Merkle.Hash]], [Duration], [[Merkle.Hash]]) {
        let clock = ContinuousClock()
        var inclusionTimes: [Duration] = []
        var inclusionProofs: [[Merkle.Hash]] = []
        for pair in inclusions {
            let started = clock.now
            let proof = try await store.read { try $0.inclusionProof(index: Int64(pair.index), size: Int64(pair.size)) }
            inclusionTimes.append(clock.now - started)
            inclusionProofs.append(proof)
        }
        var consistencyTimes: [Duration] = []
        var consistencyProofs: [[Merkle.Hash]] = []
        for pair in consistencies {
            let started = clock.now
            let proof = try await store.read { try $0.consistencyProof(from: Int64(pair.old), to: Int64(pair.new)) }
            consistencyTimes.append(clock.now - started)
            consistencyProofs.append(proof)
        }
        return (inclusionTimes, inclusionProofs, consistencyTimes, consistencyProofs)
    }

    /// Bytes of `path` in the OS page cache (`fincore`, util-linux), or nil.
    static func resident(_ path: String) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["fincore", "--bytes", "--noheadings", "--output", "RES", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
