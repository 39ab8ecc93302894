/// A video generation request (`POST /v1/video/generate`).
///
/// ```swift
/// var request = VideoRequest(model: "video-gen-2.1", prompt: "Rain on a neon street, she turns to the camera", duration: 5)
/// request.resolution = "1080p"
/// ```
public struct VideoRequest: Codable, Sendable, Equatable {
    public var model: String
    public var prompt: String
    /// Seconds of video, 5 to 30.
    public var duration: Int?
    /// `720p`, `1080p` or `4k`.
    public var resolution: String?
    /// `9:16` (the server's default, the short-drama format), `16:9`, `1:1`, …
    public var aspectRatio: String?
    public var style: String?
    public var emotionTone: String?
    /// A reference frame to start from.
    public var imageURL: String?
    public var seed: Int?
    /// Where the platform posts the `video.generation.completed` / `.failed` event, signed per Standard Webhooks
    /// (verify it with ``WebhookVerifier``). It must be a public http(s) address unless the operator allows private ones.
    public var callbackURL: String?

    public init(
        model: String, prompt: String, duration: Int? = nil, resolution: String? = nil, aspectRatio: String? = nil, style: String? = nil,
        emotionTone: String? = nil, imageURL: String? = nil, seed: Int? = nil, callbackURL: String? = nil
    ) {
        self.model = model
        self.prompt = prompt
        self.duration = duration
        self.resolution = resolution
        self.aspectRatio = aspectRatio
        self.style = style
        self.emotionTone = emotionTone
        self.imageURL = imageURL
        self.seed = seed
        self.callbackURL = callbackURL
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, duration, resolution, style, seed
        case aspectRatio = "aspect_ratio"
        case emotionTone = "emotion_tone"
        case imageURL = "image_url"
        case callbackURL = "callback_url"
    }
}
