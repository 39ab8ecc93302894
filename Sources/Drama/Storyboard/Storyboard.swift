import Foundation

/// An episode's shot list, in order, with what produced it. Saved as `storyboard.json` in the episode folder.
public struct Storyboard: Sendable, Hashable, Codable {
    /// The screenplay's title, if it has one.
    public var title: String?
    public var shots: [Shot]
    /// Scenes whose chat-model breakdown failed and that were broken down deterministically instead, with why.
    public var fallbacks: [Fallback]
    /// The chat model that broke the scenes down; nil for a deterministic breakdown.
    public var chatModel: String?

    /// A scene the chat model could not break down.
    public struct Fallback: Sendable, Hashable, Codable {
        public var scene: Int
        public var reason: String

        public init(scene: Int, reason: String) {
            self.scene = scene
            self.reason = reason
        }
    }

    public init(title: String? = nil, shots: [Shot], fallbacks: [Fallback] = [], chatModel: String? = nil) {
        self.title = title
        self.shots = shots
        self.fallbacks = fallbacks
        self.chatModel = chatModel
    }

    /// The shot with `id`, if any.
    public func shot(_ id: String) -> Shot? { shots.first { $0.id == id } }

    /// Total seconds of the episode.
    public var totalSeconds: Int { shots.map(\.durationSeconds).reduce(0, +) }

    /// The shots grouped by scene, in order.
    public var scenes: [(scene: Int, shots: [Shot])] {
        var result: [(scene: Int, shots: [Shot])] = []
        for shot in shots {
            if result.last?.scene == shot.sceneNumber {
                result[result.count - 1].shots.append(shot)
            } else {
                result.append((shot.sceneNumber, [shot]))
            }
        }
        return result
    }

    enum CodingKeys: String, CodingKey {
        case title, shots, fallbacks, chatModel = "chat_model"
    }
}
