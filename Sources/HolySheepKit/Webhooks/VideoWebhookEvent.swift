import Foundation

/// The event the platform posts to a job's `callback_url` when the job ends.
public struct VideoWebhookEvent: Codable, Sendable, Equatable {
    /// `video.generation.completed` or `video.generation.failed`.
    public struct EventType: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let completed = EventType(rawValue: "video.generation.completed")
        public static let failed = EventType(rawValue: "video.generation.failed")
        public var description: String { rawValue }
    }

    public var type: EventType
    /// When the event happened.
    public var timestamp: Date
    /// The job as it ended.
    public var data: VideoJob
}
