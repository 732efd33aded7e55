import BatonCore
import BatonStore
import Foundation
import Testing

@testable import BatonServer

@Suite("LoopHealth: page")
struct LoopHealthPageTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600 + 40 * 86_400)

    static func distribution(_ counts: [Int]) -> LoopHealthFigures.Distribution {
        var lower: TimeInterval = 0
        return LoopHealthFigures.Distribution(buckets: zip(LoopHealthFigures.distributionBounds, counts).map { bound, count in
            defer { lower = bound.upper ?? lower }
            return .init(label: bound.label, lower: lower, upper: bound.upper, count: count)
        })
    }

    static let figures = LoopHealthFigures(
        funnel: .init(received: 1200, acknowledged: 900, decided: 600, outcome: 300, referrerTold: 150),
        overdue: [.init(agency: "<script>x</script>", bands: [1, 2, 3, 4])],
        pairs: [.init(sender: "=cmd|' /C calc'!A0", recipient: "mash", overdue: 2, inPeriod: 5, unacknowledged: 1)],
        timeToAcknowledge: distribution([1, 0, 1, 1, 0, 0, 1]), timeToOutcome: distribution([0, 0, 0, 1, 0, 1, 0]),
        reReferrals: .init(referrals: 3, reReferrals: 1),
        demographics: .init(subjectMentions: 4, children: 3, sexNotKnown: 2, dateOfBirthMissing: 1, nhsNumberMissing: 1),
        sharing: [.init(basis: nil, decisions: 1, sectionsShown: 0, sectionsWithheld: 2), .init(basis: "safeguarding, \"DPA\"", decisions: 2, sectionsShown: 3, sectionsWithheld: 1)],
        audit: .init(logSize: 6, checkpoint: TreeHead(size: 5, root: [0xab, 0x01], at: now, jws: "x", checkpoint: true), storedRootMatches: true))

    static let page = LoopHealthPage(
        figures: figures, query: LoopHealthPage.query(from: "2026-01-01", to: "2026-01-30", now: now), checkpointSignatureValid: true)

    @Test("the period form: UTC days, `to` included, defaults to the last 30 days")
    func period() {
        let query = LoopHealthPage.query(from: "2026-01-01", to: "2026-01-30", now: Self.now)
        #expect(query.from == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(query.to == Date(timeIntervalSince1970: 1_767_225_600 + 30 * 86_400))
        #expect(Self.page.fromText == "2026-01-01")
        #expect(Self.page.toText == "2026-01-30")
        let fallback = LoopHealthPage.query(from: "nonsense", to: nil, now: Self.now)
        #expect(fallback.to.timeIntervalSince(fallback.from) == 30 * 86_400)
        #expect(Self.page.csvLink("funnel") == "/ui/loop-health.csv?table=funnel&from=2026-01-01&to=2026-01-30")
    }

    @Test("every table exports as RFC 4180 CSV with a header row, quoting and a formula guard")
    func csv() throws {
        for table in LoopHealthPage.tables {
            let csv = try #require(Self.page.csv(table), "\(table)")
            #expect(csv.hasSuffix("\r\n"))
            #expect(!csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        }
        #expect(Self.page.csv("nonsense") == nil)
        func lines(_ rows: String...) -> String { rows.map { $0 + "\r\n" }.joined() }
        #expect(Self.page.csv("funnel") == lines(
            "stage,items,percent of received", "Received,1200,100.0%", "Acknowledged,900,75.0%", "Decided,600,50.0%",
            "Outcome recorded,300,25.0%", "Referrer told,150,12.5%"))
        #expect(Self.page.csv("matrix") == lines(
            "sender,recipient,open and overdue now,created in period,not acknowledged", "'=cmd|' /C calc'!A0,mash,2,5,1"))
        #expect(Self.page.csv("sharing") == lines(
            "lawful basis,decisions,sections shown,sections withheld", "not recorded,1,0,2", #""safeguarding, ""DPA""",2,3,1"#))
        #expect(Self.page.csv("overdue")?.contains("all agencies,1,2,3,4,10\r\n") == true)
        #expect(Self.page.csv("time-to-acknowledge")?.contains("under 1 hour,1,25.0%\r\n") == true)
    }

    @Test("charts are accessible SVG with every number, escaped text and no scripts")
    func svg() {
        let svg = LoopHealthPage.barChart(id: "c\"1", title: "A & B <chart>", bars: [("<b>one</b>", 1234), ("two", 0)])
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.contains(#"role="img""#))
        #expect(svg.contains(#"aria-labelledby="c&quot;1-title c&quot;1-desc""#))
        #expect(svg.contains(#"<title id="c&quot;1-title">A &amp; B &lt;chart&gt;</title>"#))
        #expect(svg.contains(#"<desc id="c&quot;1-desc">&lt;b&gt;one&lt;/b&gt;: 1,234; two: 0</desc>"#))
        #expect(svg.contains(">1,234</text>"))
        #expect(!svg.contains("<b>"))
        #expect(!svg.contains("<script"))
        #expect(svg.contains("fill=\"#1d70b8\""))
    }

    @Test("the context has the headline numbers, quantiles and charts; the template renders them")
    func context() throws {
        let context = Self.page.context()
        let funnel = try #require(context["funnel"] as? [[String: Any]])
        #expect(funnel.map { $0["id"] as? String } == ["received", "acknowledged", "decided", "outcome", "referrer-told"])
        #expect(funnel.first?["count"] as? String == "1,200")
        let acknowledge = try #require(context["acknowledge"] as? [String: Any])
        #expect(acknowledge["median"] as? String == "about 1 day")
        #expect(acknowledge["p90"] as? String == "28 days or more")
        #expect((acknowledge["svg"] as? String)?.contains("<title") == true)

        let html = WebRenderer.shared.render("loop-health", context.merging(["title": "Loop health"]) { $1 })
        #expect(html.contains(#"id="funnel""#))
        for figure in ["received", "acknowledged", "decided", "outcome", "referrer-told", "overdue-total", "re-referrals", "referrals"] {
            let attribute = "data-figure=\"" + figure + "\""
            #expect(html.contains(attribute), "\(figure)")
        }
        #expect(html.contains(#"data-figure="received">1,200<"#))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
        #expect(!html.contains("<script>x</script>"))
        #expect(html.contains("/ui/loop-health.csv?table=time-to-acknowledge&amp;from=2026-01-01&amp;to=2026-01-30")
            || html.contains("/ui/loop-health.csv?table=time-to-acknowledge&from=2026-01-01&to=2026-01-30"))
        #expect(html.contains("<svg "))
        #expect(html.contains("Signature verified"))
        #expect(html.contains("ab01"))
    }
}
