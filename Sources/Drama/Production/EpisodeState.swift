import Foundation

/// Every shot's production state: what `state.json` holds. A resumed run reads it and carries on; see ``Producer``.
public struct EpisodeState: Sendable, Hashable, Codable {
    /// A random id chosen when the episode is first produced; part of every idempotency key.
    public var episodeID: String
    /// One record per storyboard shot, in storyboard order.
    public var shots: [ShotRecord]
    /// The video model, resolution and aspect ratio the clips are made with.
    public var model: String
    public var resolution: String
    public var aspectRatio: String
    /// The prices the episode was planned with; the report uses them.
    public var pricing: Pricing?

    public init(episodeID: String = Self.newID(), shotIDs: [String], model: String, resolution: String, aspectRatio: String) {
        self.episodeID = episodeID
        self.shots = shotIDs.map(ShotRecord.init)
        self.model = model
        self.resolution = resolution
        self.aspectRatio = aspectRatio
    }

    public static func newID() -> String {
        String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(16))
    }

    public subscript(shotID: String) -> ShotRecord? {
        get { shots.first { $0.shotID == shotID } }
        set {
            guard let newValue, let index = shots.firstIndex(where: { $0.shotID == shotID }) else { return }
            shots[index] = newValue
        }
    }

    /// Adds records for storyboard shots that have none (the storyboard was extended), keeping order.
    mutating func align(with shotIDs: [String]) {
        let existing = Dictionary(shots.map { ($0.shotID, $0) }, uniquingKeysWith: { first, _ in first })
        shots = shotIDs.map { existing[$0] ?? ShotRecord(shotID: $0) }
    }

    public var completedCount: Int { shots.count { if case .completed = $0.status { true } else { false } } }
    public var failedCount: Int { shots.count { if case .failed = $0.status { true } else { false } } }

    enum CodingKeys: String, CodingKey {
        case episodeID = "episode_id", shots, model, resolution, aspectRatio = "aspect_ratio", pricing
    }
}
