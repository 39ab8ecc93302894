import Foundation

extension EpisodeReport {
    /// The report as Markdown: a summary, the money, failures, fallbacks, and a table of every shot.
    public var markdown: String {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.1f s", $0) } ?? "–" }
        var text = "# \(title ?? "Episode") — production report\n\n"
        text += "Episode `\(episodeID)` · model `\(model)` · \(resolution) \(aspectRatio)\n\n"
        text += "## Summary\n\n"
        text += "- Shots: \(totals.shots) (\(totals.completed) completed, \(totals.failed) failed, \(totals.regenerations) regenerations)\n"
        text += "- Length: \(totals.seconds) s\n"
        text += "- Latency per shot: mean \(seconds(totals.meanLatencySeconds)), max \(seconds(totals.maxLatencySeconds))\n\n"
        text += "## Cost\n\n"
        text += "| | CNY | USD |\n|---|---:|---:|\n"
        text += "| Estimate | ¥\(totals.estimateCNY.text()) | $\(pricing.usd(totals.estimateCNY).text()) |\n"
        text += "| Actual | ¥\(totals.actualCNY.text()) | $\(totals.actualUSD.text()) |\n"
        text += "| At list price, market rate \(pricing.marketRate.text()) | ¥\(totals.marketCostCNY.text()) | |\n"
        text += "| Saved | ¥\(totals.savingsCNY.text()) | |\n\n"
        text += "Price ¥\(pricing.pricePerSecondCNY.text(places: 4)) per second of video; USD = CNY ÷ platform rate \(pricing.platformRate.text()).\n\n"
        let failures = shots.filter { $0.status == "failed" }
        if !failures.isEmpty {
            text += "## Failures\n\n" + failures.map { "- `\($0.id)`: \($0.error ?? "unknown")\n" }.joined()
            text += "\nRedo one with `holysheep drama regenerate DIR --shot ID`, or run `produce` again.\n\n"
        }
        if !fallbacks.isEmpty {
            text += "## Storyboard fallbacks\n\n" + fallbacks.map { "- Scene \($0.scene): \($0.reason)\n" }.joined() + "\n"
        }
        text += "## Shots\n\n| Shot | Scene | Status | Length | Regen. | Latency | Estimate ¥ | Actual ¥ |\n"
        text += "|---|---:|---|---:|---:|---:|---:|---:|\n"
        for shot in shots {
            text += "| \(shot.id) | \(shot.scene) | \(shot.status) | \(shot.durationSeconds) s | \(shot.regenerations) | "
                + "\(seconds(shot.latencySeconds)) | \(shot.estimateCNY.text()) | \(shot.actualCNY.text()) |\n"
        }
        return text
    }
}
