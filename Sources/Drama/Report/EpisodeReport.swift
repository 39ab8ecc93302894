import Foundation

/// The production report of an episode (`report.json`, and `report.md` from ``markdown``): every shot's status,
/// latency and cost against its estimate, regenerations included, failures, and the totals in CNY and USD with the
/// savings against the market rate.
public struct EpisodeReport: Sendable, Hashable, Codable {
    public struct ShotLine: Sendable, Hashable, Codable {
        public var id: String
        public var scene: Int
        public var status: String
        public var durationSeconds: Int
        public var regenerations: Int
        public var generations: Int
        public var latencySeconds: Double?
        /// One generation's estimate × generations (at least one): what was expected to be spent.
        public var estimateCNY: Decimal
        public var actualCNY: Decimal
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case id, scene, status, durationSeconds = "duration_seconds", regenerations, generations
            case latencySeconds = "latency_seconds", estimateCNY = "estimate_cny", actualCNY = "actual_cny", error
        }
    }

    public struct Totals: Sendable, Hashable, Codable {
        public var shots: Int
        public var completed: Int
        public var failed: Int
        public var regenerations: Int
        public var seconds: Int
        public var estimateCNY: Decimal
        public var actualCNY: Decimal
        public var actualUSD: Decimal
        /// What the spend would cost at list price in USD bought with yuan at the market rate.
        public var marketCostCNY: Decimal
        public var savingsCNY: Decimal
        public var meanLatencySeconds: Double?
        public var maxLatencySeconds: Double?

        enum CodingKeys: String, CodingKey {
            case shots, completed, failed, regenerations, seconds, estimateCNY = "estimate_cny", actualCNY = "actual_cny"
            case actualUSD = "actual_usd", marketCostCNY = "market_cost_cny", savingsCNY = "savings_cny"
            case meanLatencySeconds = "mean_latency_seconds", maxLatencySeconds = "max_latency_seconds"
        }
    }

    public var title: String?
    public var episodeID: String
    public var model: String
    public var resolution: String
    public var aspectRatio: String
    public var pricing: Pricing
    public var shots: [ShotLine]
    public var totals: Totals
    public var fallbacks: [Storyboard.Fallback]

    /// The report of `state` for `storyboard` at `pricing`.
    public init(storyboard: Storyboard, state: EpisodeState, pricing: Pricing) {
        title = storyboard.title
        episodeID = state.episodeID
        model = state.model
        resolution = state.resolution
        aspectRatio = state.aspectRatio
        self.pricing = pricing
        fallbacks = storyboard.fallbacks
        shots = storyboard.shots.map { shot in
            let record = state[shot.id] ?? ShotRecord(shotID: shot.id)
            var error: String?
            if case .failed(let message, _) = record.status { error = message }
            return ShotLine(
                id: shot.id, scene: shot.sceneNumber, status: record.status.name, durationSeconds: shot.durationSeconds,
                regenerations: record.regenerations, generations: record.generations, latencySeconds: record.latencySeconds,
                estimateCNY: pricing.estimate(shot) * Decimal(max(1, record.generations)), actualCNY: record.spentCNY, error: error)
        }
        let actual = shots.map(\.actualCNY).reduce(0, +)
        let latencies = shots.compactMap(\.latencySeconds)
        totals = Totals(
            shots: shots.count, completed: shots.count { $0.status == "completed" }, failed: shots.count { $0.status == "failed" },
            regenerations: shots.map(\.regenerations).reduce(0, +), seconds: storyboard.totalSeconds,
            estimateCNY: shots.map(\.estimateCNY).reduce(0, +), actualCNY: actual, actualUSD: pricing.usd(actual),
            marketCostCNY: pricing.usd(actual) * pricing.marketRate, savingsCNY: pricing.savings(actual),
            meanLatencySeconds: latencies.isEmpty ? nil : latencies.reduce(0, +) / Double(latencies.count),
            maxLatencySeconds: latencies.max())
    }

    /// Writes `report.json` and `report.md` into the folder, atomically.
    public func write(to folder: EpisodeFolder) throws {
        try AtomicFile.write(self, to: folder.reportJSON)
        try AtomicFile.write(Data(markdown.utf8), to: folder.reportMarkdown)
    }

    enum CodingKeys: String, CodingKey {
        case title, episodeID = "episode_id", model, resolution, aspectRatio = "aspect_ratio", pricing, shots, totals, fallbacks
    }
}
