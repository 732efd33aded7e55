import BatonCore
import BatonStore
import Foundation

/// The auditor's loop-health page (issue 8): what the `loop-health` template shows, its tables as
/// CSV, and its charts as server-rendered, accessible SVG. Pure: no routes, no store.
///
/// The period form's dates are UTC calendar days and `to` is inclusive: the figures cover
/// `from 00:00` up to (not including) the day after `to`.
struct LoopHealthPage {
    let figures: LoopHealthFigures
    let query: LoopHealthQuery
    /// Whether the latest checkpoint's signature verifies with the hub key (checked by the caller,
    /// which holds the key); nil when not checked or when there is no checkpoint.
    var checkpointSignatureValid: Bool? = nil
    /// Agencies' names for the page (the CSV keeps their ids).
    var agencyNames: [String: String] = [:]

    func name(_ agency: String) -> String { agencyNames[agency] ?? Self.agencyLabel(agency) }

    /// The tables a CSV can be downloaded for, in page order.
    static let tables = ["funnel", "overdue", "matrix", "time-to-acknowledge", "time-to-outcome", "re-referrals", "demographics", "sharing"]

    // MARK: - The period

    /// The query for the form's `from` and `to` (YYYY-MM-DD, `to` inclusive); the 30 days up to and
    /// including today (UTC) when missing or invalid, and `from`/`to` swapped when reversed.
    static func query(from: String?, to: String?, now: Date) -> LoopHealthQuery {
        let today = RFC3339.utcDate(of: now)
        let last = to.flatMap(CalendarDate.init(iso8601:)) ?? today
        var first = from.flatMap(CalendarDate.init(iso8601:)) ?? CalendarDate(daysSinceEpoch: last.daysSinceEpoch - 29)
        var end = last
        if first.daysSinceEpoch > end.daysSinceEpoch { swap(&first, &end) }
        return LoopHealthQuery(from: start(of: first.daysSinceEpoch), to: start(of: end.daysSinceEpoch + 1), now: now)
    }

    static func start(of day: Int) -> Date { Date(timeIntervalSince1970: Double(day) * 86_400) }

    var fromText: String { RFC3339.utcDate(of: query.from).description }
    /// The last day included (the day before `query.to`).
    var toText: String { RFC3339.utcDate(of: query.to.addingTimeInterval(-1)).description }

    func csvLink(_ table: String) -> String { "/ui/loop-health.csv?table=\(table)&from=\(fromText)&to=\(toText)" }

    // MARK: - Tables (the page's and the CSVs' rows)

    /// Rows of `table` as header and cells (unformatted numbers), or nil for an unknown table.
    func rows(_ table: String) -> (header: [String], rows: [[String]])? {
        let f = figures
        switch table {
        case "funnel":
            return (["stage", "items", "percent of received"], funnelStages.map { [$0.label, String($0.count), percent($0.count, of: f.funnel.received)] })
        case "overdue":
            let header = ["agency"] + LoopHealthFigures.OverdueBand.allCases.map(\.rawValue) + ["total"]
            var rows = f.overdue.map { [$0.agency] + $0.bands.map(String.init) + [String($0.total)] }
            rows.append(["all agencies"] + f.overdueByBand.map(String.init) + [String(f.overdueTotal)])
            return (header, rows)
        case "matrix":
            return (
                ["sender", "recipient", "open and overdue now", "created in period", "not acknowledged"],
                f.pairs.map { [Self.agencyLabel($0.sender), Self.agencyLabel($0.recipient), String($0.overdue), String($0.inPeriod), String($0.unacknowledged)] }
            )
        case "time-to-acknowledge", "time-to-outcome":
            let distribution = table == "time-to-acknowledge" ? f.timeToAcknowledge : f.timeToOutcome
            return (["time", "items", "percent"], distribution.buckets.map { [$0.label, String($0.count), percent($0.count, of: distribution.count)] })
        case "re-referrals":
            let r = f.reReferrals
            return (
                ["measure", "count", "percent of referrals"],
                [["referrals received", String(r.referrals), percent(r.referrals, of: r.referrals)],
                 ["re-referrals within 12 months", String(r.reReferrals), percent(r.reReferrals, of: r.referrals)]]
            )
        case "demographics":
            let d = f.demographics
            return (
                ["measure", "count", "percent of subject mentions"],
                [["subject mentions", String(d.subjectMentions), percent(d.subjectMentions, of: d.subjectMentions)],
                 ["children (distinct)", d.children.map(String.init) ?? "not counted for periods over \(LoopHealthFigures.Demographics.distinctDays) days", ""],
                 ["sex not known", String(d.sexNotKnown), percent(d.sexNotKnown, of: d.subjectMentions)],
                 ["date of birth missing", String(d.dateOfBirthMissing), percent(d.dateOfBirthMissing, of: d.subjectMentions)],
                 ["NHS number missing", String(d.nhsNumberMissing), percent(d.nhsNumberMissing, of: d.subjectMentions)]]
            )
        case "sharing":
            return (
                ["lawful basis", "decisions", "sections shown", "sections withheld"],
                f.sharing.map { [Self.basisLabel($0.basis), String($0.decisions), String($0.sectionsShown), String($0.sectionsWithheld)] }
            )
        default:
            return nil
        }
    }

    /// The table as CSV (RFC 4180: CRLF line ends, quoted fields; cells that a spreadsheet would
    /// take for a formula are prefixed with an apostrophe), or nil for an unknown table.
    func csv(_ table: String) -> String? {
        guard let (header, rows) = rows(table) else { return nil }
        return ([header] + rows).map { $0.map(AuditRoutes.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    var funnelStages: [(id: String, label: String, count: Int)] {
        let funnel = figures.funnel
        return [
            ("received", "Received", funnel.received), ("acknowledged", "Acknowledged", funnel.acknowledged),
            ("decided", "Decided", funnel.decided), ("outcome", "Outcome recorded", funnel.outcome),
            ("referrer-told", "Referrer told", funnel.referrerTold),
        ]
    }

    static func agencyLabel(_ agency: String) -> String { agency.isEmpty ? "(not recorded)" : agency }
    static func basisLabel(_ basis: String?) -> String { basis ?? "not recorded" }

    // MARK: - Template context

    func context() -> [String: Any] {
        let f = figures
        let received = f.funnel.received
        var context: [String: Any] = [
            "from": fromText, "to": toText, "now": RFC3339.format(query.now),
            // Keyed with "_" for "-" (mustache names): csv.time_to_acknowledge.
            "csv": Dictionary(uniqueKeysWithValues: Self.tables.map { ($0.replacingOccurrences(of: "-", with: "_"), csvLink($0)) }),
        ]
        context["funnel"] = funnelStages.map { stage -> [String: Any] in
            ["id": stage.id, "label": stage.label, "count": Self.number(stage.count), "percent": percent(stage.count, of: received)]
        }
        context["funnelSVG"] = Self.barChart(
            id: "funnel-chart", title: "Loop items by stage reached",
            bars: funnelStages.map { ($0.label, $0.count) })

        context["overdueBands"] = LoopHealthFigures.OverdueBand.allCases.map(\.rawValue)
        context["overdue"] = f.overdue.map { row -> [String: Any] in
            ["agency": name(row.agency), "bands": row.bands.map(Self.number), "total": Self.number(row.total)]
        }
        context["overdueByBand"] = f.overdueByBand.map(Self.number)
        context["overdueTotal"] = Self.number(f.overdueTotal)
        context["hasOverdue"] = f.overdueTotal > 0

        context["pairs"] = f.pairs.map { pair -> [String: Any] in
            [
                "sender": name(pair.sender), "recipient": name(pair.recipient), "overdue": Self.number(pair.overdue),
                "inPeriod": Self.number(pair.inPeriod), "unacknowledged": Self.number(pair.unacknowledged),
                "tag": pair.overdue > 0 ? "tag--red" : (pair.unacknowledged > 0 ? "tag--yellow" : "tag--green"),
            ]
        }
        context["hasPairs"] = !f.pairs.isEmpty

        for (key, name, title, distribution) in [
            ("acknowledge", "time-to-acknowledge", "Time to acknowledge", f.timeToAcknowledge),
            ("outcome", "time-to-outcome", "Time to outcome", f.timeToOutcome),
        ] {
            context[key] = [
                "name": name, "count": Self.number(distribution.count),
                "median": Self.quantileText(distribution, 0.5), "p90": Self.quantileText(distribution, 0.9),
                "rows": distribution.buckets.map { bucket -> [String: Any] in
                    ["label": bucket.label, "count": Self.number(bucket.count), "percent": percent(bucket.count, of: distribution.count)]
                },
                "svg": Self.barChart(id: "\(name)-chart", title: title, bars: distribution.buckets.map { ($0.label, $0.count) }),
            ] as [String: Any]
        }

        let r = f.reReferrals
        context["referrals"] = Self.number(r.referrals)
        context["reReferrals"] = Self.number(r.reReferrals)
        context["reReferralPercent"] = percent(r.reReferrals, of: r.referrals)

        let d = f.demographics
        context["demographics"] = [
            ("Sex not known", d.sexNotKnown), ("Date of birth missing", d.dateOfBirthMissing), ("NHS number missing", d.nhsNumberMissing),
        ].map { label, count -> [String: Any] in
            ["label": label, "count": Self.number(count), "percent": percent(count, of: d.subjectMentions)]
        }
        context["subjectMentions"] = Self.number(d.subjectMentions)
        context["children"] = d.children.map(Self.number) ?? "(not counted for periods over \(LoopHealthFigures.Demographics.distinctDays) days)"

        context["sharing"] = f.sharing.map { row -> [String: Any] in
            [
                "basis": Self.basisLabel(row.basis), "decisions": Self.number(row.decisions), "shown": Self.number(row.sectionsShown),
                "withheld": Self.number(row.sectionsWithheld),
            ]
        }
        context["hasSharing"] = !f.sharing.isEmpty

        var audit: [String: Any] = ["logSize": Self.number(Int(f.audit.logSize))]
        if let checkpoint = f.audit.checkpoint {
            audit["checkpoint"] = [
                "size": Self.number(Int(checkpoint.size)), "root": checkpoint.root.hexString, "at": RFC3339.format(checkpoint.at),
            ]
            let tree: (String, String) = f.audit.storedRootMatches == true
                ? ("tag--green", "Stored tree matches") : ("tag--red", "Stored tree does not match")
            audit["tree"] = ["tag": tree.0, "text": tree.1]
            let signature: (String, String) = switch checkpointSignatureValid {
            case true?: ("tag--green", "Signature verified")
            case false?: ("tag--red", "Signature does not verify")
            case nil: ("tag--grey", "Signature not checked")
            }
            audit["signature"] = ["tag": signature.0, "text": signature.1]
        }
        context["audit"] = audit
        return context
    }

    // MARK: - Formatting

    func percent(_ count: Int, of total: Int) -> String {
        guard total > 0 else { return "–" }
        let tenths = (Double(count) * 1000 / Double(total)).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    /// 1234567 → "1,234,567".
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// "about 3.5 hours", "28 days or more", "–" when nothing reached the milestone.
    static func quantileText(_ distribution: LoopHealthFigures.Distribution, _ q: Double) -> String {
        if distribution.quantileBeyondLast(q) { return distribution.buckets.last?.label ?? "–" }
        guard let seconds = distribution.quantile(q) else { return "–" }
        return "about " + duration(seconds)
    }

    static func duration(_ seconds: TimeInterval) -> String {
        func format(_ value: Double, _ unit: String) -> String {
            let rounded = (value * 10).rounded() / 10
            let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
            return "\(text) \(unit)\(rounded == 1 ? "" : "s")"
        }
        if seconds < 3_600 { return format(seconds / 60, "minute") }
        if seconds < 86_400 { return format(seconds / 3_600, "hour") }
        return format(seconds / 86_400, "day")
    }

    // MARK: - SVG

    /// Escapes text for XML (element content and attribute values).
    static func xml(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A vertical bar chart: one bar per (label, count), each labelled with its count; `role="img"`
    /// with a `<title>` and a `<desc>` giving every number, referenced by `aria-labelledby`. Bars
    /// are GOV.UK blue (#1d70b8, 5.2:1 against white), text near-black (#0b0c0c). The same numbers
    /// are in the table beside it.
    static func barChart(id: String, title: String, bars: [(label: String, count: Int)]) -> String {
        let safeID = xml(id)
        let barWidth = 100, gap = 28, chartHeight = 160, top = 24, labelArea = 40, left = 8
        let width = left * 2 + bars.count * barWidth + max(0, bars.count - 1) * gap
        let height = top + chartHeight + labelArea
        let maximum = max(1, bars.map(\.count).max() ?? 0)
        let description = bars.map { "\($0.label): \(number($0.count))" }.joined(separator: "; ")
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" id="\(safeID)" class="chart" role="img" aria-labelledby="\(safeID)-title \(safeID)-desc" \
            viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">\
            <title id="\(safeID)-title">\(xml(title))</title><desc id="\(safeID)-desc">\(xml(description))</desc>
            """
        let baseline = top + chartHeight
        svg += "<line x1=\"0\" y1=\"\(baseline)\" x2=\"\(width)\" y2=\"\(baseline)\" stroke=\"#0b0c0c\" stroke-width=\"1\"/>"
        for (index, bar) in bars.enumerated() {
            let x = left + index * (barWidth + gap)
            let barHeight = bar.count == 0 ? 0 : max(1, Int((Double(bar.count) / Double(maximum) * Double(chartHeight)).rounded()))
            let centre = x + barWidth / 2
            svg += "<g><rect x=\"\(x)\" y=\"\(baseline - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"#1d70b8\"/>"
            svg += "<text x=\"\(centre)\" y=\"\(baseline - barHeight - 6)\" text-anchor=\"middle\" fill=\"#0b0c0c\">\(number(bar.count))</text>"
            svg += "<text x=\"\(centre)\" y=\"\(baseline + 16)\" text-anchor=\"middle\" fill=\"#0b0c0c\">\(xml(bar.label))</text></g>"
        }
        return svg + "</svg>"
    }
}
