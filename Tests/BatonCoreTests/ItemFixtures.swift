import BatonCore
import Foundation

/// Synthetic items, agencies and people for the state machine tests. Every name is invented.
enum ItemFixtures {
    static let police = AgencyID(rawValue: "police-northmoor")!
    static let mash = AgencyID(rawValue: "northmoor-mash")!
    static let school = AgencyID(rawValue: "school-ashgrove-primary")!
    static let messageId = MessageID(rawValue: "5b0e7c1e-3f1a-4c62-9d1e-00000000a001")!

    /// Monday 2 March 2026, 10:00 in London (GMT): every test's clock starts here.
    static let start = at("2026-03-02T10:00:00Z")
    static let calendar = EnglandCalendar.shared

    /// The MASH social worker who owns the item.
    static let worker = Actor(kind: .person, agency: mash, name: "Alex Example", role: "social worker")
    /// Their manager, who signs off outcomes.
    static let manager = Actor(kind: .person, agency: mash, name: "Morgan Sample", role: "team manager")
    /// The referrer.
    static let officer = Actor.agency(police, name: "Sergeant Test Person", role: "ppu-sergeant")
    static let owner = Owner(name: "Alex Example", role: "social worker")

    /// The default steps: delivery in 2 hours, acknowledgement and decision in 24, outcome in 120.
    static let standardSteps: [(DeadlineKind, Double)] = [(.delivery, 2), (.acknowledgement, 24), (.decision, 24), (.outcome, 120)]

    /// `hours` after ``start``.
    static func hours(_ hours: Double) -> Date { start.addingTimeInterval(hours * 3600) }

    static func item(
        kind: ItemKind = .action, purpose: String = "decide-response", steps: [(DeadlineKind, Double)] = standardSteps,
        feedbackTo: AgencyID? = police, ladder: Int = 3, escalateEvery: DeadlineRule = .elapsed(seconds: 3600, text: "PT1H"),
        signOff: DeadlineRule? = .elapsed(seconds: 4 * 3600, text: "PT4H"), number: Int = 1
    ) -> Item {
        Item(
            id: ItemID(UUID(uuidString: String(format: "7d3f0000-0000-4000-8000-%012d", number))!), messageSequence: 42,
            messageSender: police, messageId: messageId, recipient: mash, purpose: purpose, kind: kind, subjects: ["c1"],
            risk: kind == .action ? .high : nil, createdAt: start, origin: kind == .action ? "rule:referral-to-mash" : "escalation",
            feedbackTo: kind == .action ? feedbackTo : nil,
            terms: ItemTerms(deadlineClass: "test-class", escalateEvery: escalateEvery, signOff: signOff, ladderLength: ladder),
            deadlines: steps.map { Deadline(kind: $0.0, dueAt: hours($0.1)) })
    }

    /// An escalation notice: delivery within an hour, nothing else timed (as sla.yaml's class).
    static func escalationNotice() -> Item {
        item(kind: .notice, purpose: SystemPurpose.escalationNotice, steps: [(.delivery, 1)], escalateEvery: .elapsed(seconds: 4 * 3600, text: "PT4H"))
    }

    /// Outcome feedback to a referrer: delivery within a working day.
    static func outcomeFeedback() -> Item {
        item(kind: .notice, purpose: SystemPurpose.outcomeFeedback, steps: [(.delivery, 24)], escalateEvery: .workingDays(1))
    }
}

extension Item {
    /// Applies `event` at `now` with the test calendar; for building fixtures, where a refusal is a
    /// broken test.
    @discardableResult
    mutating func must(_ event: ItemEvent, at now: Date) -> [ItemEffect] {
        do { return try apply(event, at: now, calendar: ItemFixtures.calendar) } catch {
            fatalError("fixture step \(event.name) refused: \(error)")
        }
    }

    /// Applies `event`, returning the effects or the refusal.
    mutating func attempt(_ event: ItemEvent, at now: Date) -> Result<[ItemEffect], ItemTransitionError> {
        do { return .success(try apply(event, at: now, calendar: ItemFixtures.calendar)) } catch { return .failure(error) }
    }
}
