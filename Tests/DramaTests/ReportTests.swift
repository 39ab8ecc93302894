import Foundation
import Testing
@testable import Drama

/// The report's JSON shape and its money, and the plan's estimate.
@Suite struct ReportTests {
    static func sample() -> (Storyboard, EpisodeState) {
        let board = Storyboard.short(4, seconds: 5)
        var state = EpisodeState(episodeID: "ep1", shotIDs: board.shots.map(\.id), model: "video-gen-2.1", resolution: "1080p", aspectRatio: "9:16")
        for index in 0..<3 {
            state.shots[index].status = .completed(file: "clips/x.mp4", seconds: 5, costCNY: Decimal(string: "0.25")!, jobID: "j\(index)")
            state.shots[index].spentCNY = Decimal(string: "0.25")!
            state.shots[index].generations = 1
            state.shots[index].latencySeconds = Double(index + 1)
        }
        state.shots[2].regenerations = 1
        state.shots[2].generations = 2
        state.shots[2].spentCNY = Decimal(string: "0.5")!
        state.shots[3].status = .failed(error: "HolySheep api error 400: bad prompt", attempts: 3)
        return (board, state)
    }

    @Test("report.json has the shots, the totals in CNY and USD, the savings and the pricing")
    func reportJSON_shape() throws {
        let (board, state) = Self.sample()
        let report = EpisodeReport(storyboard: board, state: state, pricing: Pricing(pricePerSecondCNY: Decimal(string: "0.05")!))
        let folder = try TemporaryFolder()
        try report.write(to: EpisodeFolder(folder.url))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.url.appending(path: "report.json"))) as! [String: Any]
        #expect(Set(json.keys) == ["title", "episode_id", "model", "resolution", "aspect_ratio", "pricing", "shots", "totals", "fallbacks"])
        let totals = json["totals"] as! [String: Any]
        #expect((totals["actual_cny"] as? NSNumber)?.doubleValue == 1.0)
        #expect((totals["actual_usd"] as? NSNumber)?.doubleValue == 1.0)
        #expect((totals["estimate_cny"] as? NSNumber)?.doubleValue == 1.25, "5 generations × 5 s × ¥0.05")
        #expect(abs(((totals["savings_cny"] as? NSNumber)?.doubleValue ?? 0) - 6.3) < 1e-9)
        #expect(totals["completed"] as? Int == 3 && totals["failed"] as? Int == 1 && totals["regenerations"] as? Int == 1)
        let shots = json["shots"] as! [[String: Any]]
        #expect(Set(shots[0].keys).isSuperset(of: ["id", "scene", "status", "duration_seconds", "latency_seconds", "estimate_cny", "actual_cny", "regenerations"]))
        #expect(shots[3]["error"] as? String == "HolySheep api error 400: bad prompt")
        let markdown = try String(contentsOf: folder.url.appending(path: "report.md"), encoding: .utf8)
        #expect(markdown.contains("## Failures") && markdown.contains("| Actual | ¥1 | $1 |"))
    }

    @Test("the plan lists every shot and estimates duration × price")
    func plan_estimates() {
        let plan = EpisodePlan(storyboard: .short(4, seconds: 5), pricing: Pricing(pricePerSecondCNY: Decimal(string: "0.05")!))
        #expect(plan.estimateCNY == 1)
        #expect(plan.text.contains("s01-01") && plan.text.contains("s02-04") && plan.text.contains("= ¥1"))
    }
}
