import Foundation

/// What `holysheep drama plan` prints before anything is spent: the shot list and its cost estimate.
public struct EpisodePlan: Sendable {
    public var storyboard: Storyboard
    public var pricing: Pricing

    public init(storyboard: Storyboard, pricing: Pricing) {
        self.storyboard = storyboard
        self.pricing = pricing
    }

    public var estimateCNY: Decimal { storyboard.shots.map(pricing.estimate).reduce(0, +) }

    /// The plan as text: one block per scene, one line per shot, then the totals.
    public var text: String {
        var text = "\(storyboard.title ?? "Episode"): \(storyboard.shots.count) shots, \(storyboard.totalSeconds) s\n"
        for fallback in storyboard.fallbacks { text += "note: scene \(fallback.scene): \(fallback.reason)\n" }
        for (scene, shots) in storyboard.scenes {
            text += "\nScene \(scene) — \(shots.count) shots\n"
            for shot in shots {
                let who = shot.characters.isEmpty ? "" : " [\(shot.characters.joined(separator: ", "))]"
                let description = shot.description.count > 90 ? String(shot.description.prefix(89)) + "…" : shot.description
                text += "  \(shot.id)  \(String(format: "%2d", shot.durationSeconds)) s  \(shot.emotionTone.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(shot.cameraNote)\(who): \(description)\n"
                for line in shot.dialogue { text += "                \(line.speaker): \(line.text)\n" }
            }
        }
        let estimate = estimateCNY
        text += "\nEstimate: \(storyboard.totalSeconds) s × ¥\(pricing.pricePerSecondCNY.text(places: 4))/s = ¥\(estimate.text()) "
            + "($\(pricing.usd(estimate).text()) at platform rate \(pricing.platformRate.text())); "
            + "at list price bought at the market rate \(pricing.marketRate.text()): ¥\((pricing.usd(estimate) * pricing.marketRate).text())\n"
        return text
    }
}
