import BatonCore
import Foundation
import Yams

/// `policies/cumulative-harm.yaml`: counters over a child's chronology across every agency, and
/// the thresholds at which the MASH is asked to look at the history as a whole (DOMAIN.md,
/// "Cumulative harm"). Events are named after what messages carry: the message kind
/// (`referral`, `notification`), the notification type (`missing-episode`, `domestic-abuse`, …)
/// and each concern category (`missing`, `domestic-abuse`, `neglect`, …).
public struct CumulativeHarmPolicy: Sendable {
    /// A length of time looked back over: days or calendar months.
    public enum Window: Sendable, Hashable, CustomStringConvertible {
        case days(Int)
        case months(Int)

        /// The start of the window that ends at `now`.
        public func start(endingAt now: Date, calendar: Calendar) -> Date {
            switch self {
            case .days(let days): calendar.date(byAdding: .day, value: -days, to: now) ?? now
            case .months(let months): calendar.date(byAdding: .month, value: -months, to: now) ?? now
            }
        }

        public var description: String {
            switch self {
            case .days(let days): "P\(days)D"
            case .months(let months): "P\(months)M"
            }
        }

        /// `P90D`, `P12M`, `P1Y`.
        static func parse(_ text: String) -> Window? {
            guard text.count >= 3, text.first == "P", let number = Int(text.dropFirst().dropLast()), number > 0 else { return nil }
            switch text.last {
            case "D": return .days(number)
            case "M": return .months(number)
            case "Y": return .months(number * 12)
            default: return nil
            }
        }
    }

    public struct Counter: Sendable, Hashable {
        public var name: String
        public var description: String
        /// A message counts once if it carries any of these events about the child.
        public var events: [String]
        public var window: Window
    }

    public struct Alert: Sendable, Hashable {
        public var counter: String
        public var atLeast: Int
        public var line: Int?
    }

    public var counters: [Counter]
    public var alerts: [Alert]

    public init(counters: [Counter] = [], alerts: [Alert] = []) {
        self.counters = counters
        self.alerts = alerts
    }

    public func counter(_ name: String) -> Counter? { counters.first { $0.name == name } }

    /// Every event name a message can carry.
    public static let eventNames: Set<String> = Set(MessageKind.allCases.map(\.rawValue))
        .union(NotificationType.allCases.map(\.rawValue))
        .union(ConcernCategory.allCases.map(\.rawValue))

    /// The event names of a case message.
    public static func events(of message: Message) -> [String] {
        var events = [message.kind.rawValue]
        switch message.body {
        case .referral(let concern): events += concern.categories.map(\.rawValue)
        case .notification(let details): events.append(details.type.rawValue)
        default: break
        }
        return Array(Set(events)).sorted()
    }

    /// When what a case message reports happened: a notification's incident, else `received`.
    public static func occurredAt(of message: Message, received: Date) -> Date {
        if case .notification(let details) = message.body { return min(details.occurredAt, received) }
        return received
    }

    static func read(_ root: YAMLReader.Mapping, _ reader: inout YAMLReader) -> CumulativeHarmPolicy {
        var policy = CumulativeHarmPolicy()
        if let node = root["counters"], let mapping = node.mapping {
            for (keyNode, value) in mapping {
                guard let name = keyNode.scalar?.string else { continue }
                let field = "counters.\(name)"
                guard PolicyName.isValid(name) else {
                    reader.report(keyNode.mark?.line, field, "counter names are lower-case words joined by hyphens")
                    continue
                }
                guard let entry = reader.mapping(value, field: field, allowed: ["description", "events", "window"]) else { continue }
                let description = reader.string(entry, "description", required: true) ?? ""
                var events: [String] = []
                for (node, eventField) in reader.sequence(entry, "events", required: true) {
                    guard let event = node.scalar?.string else {
                        reader.report(node.mark?.line, eventField, "must be an event name")
                        continue
                    }
                    guard eventNames.contains(event) else {
                        reader.report(node.mark?.line, eventField,
                            "'\(event)' is not an event: use a message kind, notification type or concern category (\(eventNames.sorted().joined(separator: ", ")))")
                        continue
                    }
                    events.append(event)
                }
                var window = Window.days(1)
                if let text = reader.string(entry, "window", required: true) {
                    if let parsed = Window.parse(text) { window = parsed } else {
                        reader.report(entry["window"]?.mark?.line, entry.path("window"), "'\(text)' is not a window such as P90D, P12M or P1Y")
                    }
                }
                policy.counters.append(Counter(name: name, description: description, events: events, window: window))
            }
        } else {
            reader.report(root.line, "counters", "is required: a mapping from counter name to its events and window")
        }
        for (node, field) in reader.sequence(root, "alerts") {
            guard let entry = reader.mapping(node, field: field, allowed: ["counter", "atLeast"]) else { continue }
            guard let counter = reader.string(entry, "counter", required: true), let atLeast = reader.integer(entry, "atLeast", required: true) else { continue }
            guard policy.counter(counter) != nil else {
                reader.report(entry["counter"]?.mark?.line, entry.path("counter"), "'\(counter)' is not a counter in this file")
                continue
            }
            guard atLeast >= 1 else {
                reader.report(entry["atLeast"]?.mark?.line, entry.path("atLeast"), "must be 1 or more")
                continue
            }
            policy.alerts.append(Alert(counter: counter, atLeast: atLeast, line: entry.line))
        }
        policy.counters.sort { $0.name < $1.name }
        return policy
    }
}
