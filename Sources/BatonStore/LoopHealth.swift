import BatonCore
import Foundation

/// The period an auditor's loop-health figures cover: items created (and messages received, and
/// need-to-know decisions made) in `from..<to`. `now` measures how long open items are overdue.
public struct LoopHealthQuery: Sendable, Hashable {
    public var from: Date
    public var to: Date
    public var now: Date

    public init(from: Date, to: Date, now: Date) {
        self.from = from
        self.to = to
        self.now = now
    }
}

/// Whether the loop closes, for auditors (issue 8): what the loop-health page shows.
///
/// **Which items count ("loop items").** The funnel, the distributions and the per-pair figures
/// count *action* items (`kind = 'action'`) created in the period whose purpose is one the routing
/// policy hands from agency to agency (a referral to the MASH, a notification to a school), plus
/// `triage` (a message the hub could not route is still a message someone must answer). The hub's
/// own work purposes (``LoopHealthFigures/hubPurposes``: escalation notices, outcome feedback,
/// disagreements, identity reviews and corrections, cumulative-harm prompts, information
/// requests and responses, strategy-discussion items) are left out: they are consequences of
/// loop items, and counting them would count one referral several times. Items marked
/// `entered-in-error` are left out too: they were never real work.
///
/// **Milestones.** *received*: the item exists (the hub accepted it and gave it an owner agency);
/// *acknowledged*: the recipient acknowledged it (or rejected it, which is an answer);
/// *decided*: a decision (or, failing one, an outcome) was recorded; *outcome*: an outcome was
/// recorded; *referrer told*: an `outcome-feedback` item about it reached `completed` (delivered to
/// or acknowledged by the referrer).
public struct LoopHealthFigures: Sendable {
    /// System purposes that are not loop items (every ``SystemPurpose`` except `triage`).
    public static let hubPurposes: [String] = SystemPurpose.all.subtracting([SystemPurpose.triage]).sorted()
    static let hubPurposeSet = Set(hubPurposes)

    public struct Funnel: Sendable, Hashable {
        public var received: Int
        public var acknowledged: Int
        public var decided: Int
        public var outcome: Int
        public var referrerTold: Int

        public init(received: Int, acknowledged: Int, decided: Int, outcome: Int, referrerTold: Int) {
            self.received = received
            self.acknowledged = acknowledged
            self.decided = decided
            self.outcome = outcome
            self.referrerTold = referrerTold
        }
    }

    /// How long an open item has been overdue: `now - due_at` in whole days.
    public enum OverdueBand: String, Sendable, Hashable, CaseIterable {
        case underOneDay = "under 1 day"
        case oneToSevenDays = "1–7 days"
        case eightToThirtyDays = "8–30 days"
        case overThirtyDays = "over 30 days"

        /// Where the band ends (exclusive), in milliseconds overdue; nil for the last.
        public var upperBound: Int64? {
            switch self {
            case .underOneDay: 86_400_000
            case .oneToSevenDays: 8 * 86_400_000
            case .eightToThirtyDays: 31 * 86_400_000
            case .overThirtyDays: nil
            }
        }
    }

    /// Open overdue items of one recipient agency, by band (in ``OverdueBand/allCases`` order).
    public struct OverdueRow: Sendable, Hashable {
        public var agency: String
        public var bands: [Int]
        public var total: Int { bands.reduce(0, +) }

        public init(agency: String, bands: [Int]) {
            self.agency = agency
            self.bands = bands
        }
    }

    /// "Who does not answer whom": one sender → recipient pair.
    public struct PairRow: Sendable, Hashable {
        public var sender: String
        public var recipient: String
        /// Open items (any period, any kind) from `sender` to `recipient` past their due time now.
        public var overdue: Int
        /// Loop items from `sender` to `recipient` created in the period.
        public var inPeriod: Int
        /// Of those, how many are not yet acknowledged (nor rejected).
        public var unacknowledged: Int

        public init(sender: String, recipient: String, overdue: Int, inPeriod: Int, unacknowledged: Int) {
            self.sender = sender
            self.recipient = recipient
            self.overdue = overdue
            self.inPeriod = inPeriod
            self.unacknowledged = unacknowledged
        }
    }

    /// A histogram of durations (time to acknowledge, time to outcome) of loop items created in the
    /// period that reached the milestone.
    public struct Distribution: Sendable, Hashable {
        public struct Bucket: Sendable, Hashable {
            public var label: String
            /// Lower (inclusive) and upper (exclusive) bounds in seconds; upper nil for the last.
            public var lower: TimeInterval
            public var upper: TimeInterval?
            public var count: Int

            public init(label: String, lower: TimeInterval, upper: TimeInterval?, count: Int) {
                self.label = label
                self.lower = lower
                self.upper = upper
                self.count = count
            }
        }

        public var buckets: [Bucket]
        public var count: Int { buckets.reduce(0) { $0 + $1.count } }
        /// Estimated from the buckets by linear interpolation within the bucket holding the rank;
        /// nil when nothing reached the milestone, or when the rank falls in the open last bucket
        /// (then ``quantileBeyondLast(_:)`` is true).
        public var median: TimeInterval? { quantile(0.5) }
        public var p90: TimeInterval? { quantile(0.9) }

        public init(buckets: [Bucket]) { self.buckets = buckets }

        /// The `q` quantile estimated from the buckets (nil when empty or in the open last bucket).
        public func quantile(_ q: Double) -> TimeInterval? {
            let total = count
            guard total > 0 else { return nil }
            // The rank (1-based) of the value wanted: the nearest-rank definition.
            let rank = max(1, Int((q * Double(total)).rounded(.up)))
            var below = 0
            for bucket in buckets {
                if below + bucket.count >= rank {
                    guard let upper = bucket.upper else { return nil }
                    let fraction = Double(rank - below) / Double(bucket.count)
                    return bucket.lower + (upper - bucket.lower) * fraction
                }
                below += bucket.count
            }
            return nil
        }

        /// Whether the `q` quantile lies in the open last bucket ("over 28 days").
        public func quantileBeyondLast(_ q: Double) -> Bool {
            count > 0 && quantile(q) == nil
        }
    }

    /// Bucket bounds (seconds) of both distributions: <1h, 1–4h, 4–24h, 1–3d, 3–7d, 7–28d, ≥28d.
    public static let distributionBounds: [(label: String, upper: TimeInterval?)] = [
        ("under 1 hour", 3_600), ("1–4 hours", 4 * 3_600), ("4–24 hours", 86_400), ("1–3 days", 3 * 86_400),
        ("3–7 days", 7 * 86_400), ("7–28 days", 28 * 86_400), ("28 days or more", nil),
    ]

    /// Referral messages received in the period, and how many were re-referrals: a subject child
    /// had been the subject of another referral received in the 365 days before.
    public struct ReReferrals: Sendable, Hashable {
        public var referrals: Int
        public var reReferrals: Int

        public init(referrals: Int, reReferrals: Int) {
            self.referrals = referrals
            self.reReferrals = reReferrals
        }
    }

    /// What senders did not know about the children their messages (received in the period) were
    /// about, counted over subject mentions (a child named in two messages counts twice: the
    /// figure measures what each sender sent) as the matcher's normalised record keeps it. Sex is
    /// "not known" unless female or male (the record keeps only those: missing, `unknown` and
    /// `other` all count); an NHS number is missing when absent or invalid. Ethnicity is not
    /// recorded anywhere the hub keeps in columns or records, so it is not counted.
    public struct Demographics: Sendable, Hashable {
        public var subjectMentions: Int
        /// Distinct children, for periods of up to ``distinctDays`` days (nil for longer ones).
        public var children: Int?
        public var sexNotKnown: Int
        public var dateOfBirthMissing: Int
        public var nhsNumberMissing: Int

        /// The longest period (days) for which distinct children are counted.
        public static let distinctDays: Int64 = 92

        public init(subjectMentions: Int, children: Int?, sexNotKnown: Int, dateOfBirthMissing: Int, nhsNumberMissing: Int) {
            self.subjectMentions = subjectMentions
            self.children = children
            self.sexNotKnown = sexNotKnown
            self.dateOfBirthMissing = dateOfBirthMissing
            self.nhsNumberMissing = nhsNumberMissing
        }
    }

    /// Need-to-know decisions made in the period under one lawful basis (the message's consent
    /// basis; nil when the message recorded none), with the sections shown and withheld.
    public struct SharingRow: Sendable, Hashable {
        public var basis: String?
        public var decisions: Int
        public var sectionsShown: Int
        public var sectionsWithheld: Int

        public init(basis: String?, decisions: Int, sectionsShown: Int, sectionsWithheld: Int) {
            self.basis = basis
            self.decisions = decisions
            self.sectionsShown = sectionsShown
            self.sectionsWithheld = sectionsWithheld
        }
    }

    /// The audit log: its size, the latest published checkpoint, and whether the Merkle tree the
    /// store holds has that checkpoint's root at that size (nil when there is no checkpoint). The
    /// checkpoint's signature is verified by the server, which holds the hub key.
    public struct Audit: Sendable, Hashable {
        public var logSize: Int64
        public var checkpoint: TreeHead?
        public var storedRootMatches: Bool?

        public init(logSize: Int64, checkpoint: TreeHead?, storedRootMatches: Bool?) {
            self.logSize = logSize
            self.checkpoint = checkpoint
            self.storedRootMatches = storedRootMatches
        }
    }

    public var funnel: Funnel
    /// Open overdue items by recipient agency (every open item, whenever created: the backlog now).
    public var overdue: [OverdueRow]
    public var pairs: [PairRow]
    public var timeToAcknowledge: Distribution
    public var timeToOutcome: Distribution
    public var reReferrals: ReReferrals
    public var demographics: Demographics
    public var sharing: [SharingRow]
    public var audit: Audit

    /// Open overdue items by band, over every agency.
    public var overdueByBand: [Int] {
        OverdueBand.allCases.indices.map { band in overdue.reduce(0) { $0 + $1.bands[band] } }
    }

    public var overdueTotal: Int { overdue.reduce(0) { $0 + $1.total } }

    public init(
        funnel: Funnel, overdue: [OverdueRow], pairs: [PairRow], timeToAcknowledge: Distribution, timeToOutcome: Distribution,
        reReferrals: ReReferrals, demographics: Demographics, sharing: [SharingRow], audit: Audit
    ) {
        self.funnel = funnel
        self.overdue = overdue
        self.pairs = pairs
        self.timeToAcknowledge = timeToAcknowledge
        self.timeToOutcome = timeToOutcome
        self.reReferrals = reReferrals
        self.demographics = demographics
        self.sharing = sharing
        self.audit = audit
    }
}
