/// Turns a screenplay into a ``Storyboard``: every scene broken into 4–8 shots (by a chat model when one is given,
/// else deterministically), timed by ``ShotTiming``, each prompt carrying the ``Cast`` sheet lines of the
/// characters it shows.
///
/// ```swift
/// let storyboard = await StoryboardPlanner().storyboard(for: screenplay, cast: Cast(screenplay: screenplay))
/// ```
public struct StoryboardPlanner: Sendable {
    public var deterministic: DeterministicBreakdown
    /// The chat-model breakdown; nil for the deterministic one alone.
    public var chat: ChatBreakdown?

    public init(deterministic: DeterministicBreakdown = DeterministicBreakdown(), chat: ChatBreakdown? = nil) {
        self.deterministic = deterministic
        self.chat = chat
    }

    public func storyboard(for screenplay: Screenplay, cast: Cast) async -> Storyboard {
        var shots: [Shot] = []
        var fallbacks: [Storyboard.Fallback] = []
        for scene in screenplay.scenes {
            if let chat {
                let result = await chat.shots(for: scene, cast: screenplay.characters)
                shots += result.shots
                if let reason = result.fallbackReason { fallbacks.append(.init(scene: scene.number, reason: reason)) }
            } else {
                shots += deterministic.shots(for: scene, cast: screenplay.characters)
            }
        }
        return Storyboard(title: screenplay.title, shots: shots.map(cast.prompted), fallbacks: fallbacks, chatModel: chat?.model.name)
    }
}
