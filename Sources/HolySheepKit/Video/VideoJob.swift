import Foundation
import HolySheepCore

/// A video generation job (`object: "video.generation"`), as submitted, polled, listed or cancelled.
public struct VideoJob: Codable, Sendable, Equatable, Identifiable {
    /// Where a job is: `queued` → `processing` → `completed`, `failed` or `cancelled`.
    public struct Status: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let queued = Status(rawValue: "queued")
        public static let processing = Status(rawValue: "processing")
        public static let completed = Status(rawValue: "completed")
        public static let failed = Status(rawValue: "failed")
        public static let cancelled = Status(rawValue: "cancelled")

        /// The job will not change any more.
        public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
        public var description: String { rawValue }
    }

    /// Why a job failed.
    public struct Failure: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public struct Usage: Codable, Sendable, Equatable {
        /// Seconds of video generated: what the job is billed on.
        public var seconds: Double
    }

    /// `vgen_…`.
    public let id: String
    public let status: Status
    public let model: String
    public let prompt: String?
    /// Seconds of video asked for.
    public let duration: Int?
    public let resolution: String?
    public let aspectRatio: String?
    /// 0 to 100.
    public let progress: Int?
    public let createdAt: Date
    public let startedAt: Date?
    public let completedAt: Date?
    public let currency: String?
    public let usage: Usage?
    /// The job's permanent content address on the platform; it serves the MP4 once the job has completed
    /// (``HolySheepClient/downloadVideo(id:to:)`` fetches it).
    public let videoURL: URL?
    public let error: Failure?
    private let estimatedCostText: String?
    private let costText: String?

    /// What the job was pre-authorised for.
    public var estimatedCost: Money? { money(estimatedCostText) }
    /// What the job was charged, once it has ended.
    public var cost: Money? { money(costText) }

    private func money(_ text: String?) -> Money? {
        guard let text, let amount = Decimal(exactly: text) else { return nil }
        return Money(exactly: amount, Money.Currency(rawValue: currency ?? "CNY") ?? .cny)
    }

    enum CodingKeys: String, CodingKey {
        case id, status, model, prompt, duration, resolution, progress, currency, usage, error
        case aspectRatio = "aspect_ratio"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case videoURL = "video_url"
        case estimatedCostText = "estimated_cost"
        case costText = "cost"
    }
}

/// A page of ``VideoJob``s (`GET /v1/video/generations`).
public struct VideoJobPage: Codable, Sendable, Equatable {
    public var data: [VideoJob]
    /// More jobs follow: ask again with `after: lastID`.
    public var hasMore: Bool
    public var lastID: String?

    enum CodingKeys: String, CodingKey {
        case data
        case hasMore = "has_more"
        case lastID = "last_id"
    }
}
