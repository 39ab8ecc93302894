/// What `ffprobe` reports about a video file: its first video stream, its first audio stream if any, and the
/// container's duration and size.
public struct MediaInfo: Sendable, Hashable {
    /// The container's duration in seconds.
    public var duration: Double
    public var width: Int
    public var height: Int
    /// The video codec's short name, e.g. `h264`.
    public var videoCodec: String
    /// The codec profile, e.g. `Constrained Baseline`, when the codec has profiles.
    public var videoProfile: String?
    /// The codec level as `ffprobe` prints it (`51` for H.264 level 5.1).
    public var videoLevel: Int?
    /// The pixel format, e.g. `yuv420p`.
    public var pixelFormat: String
    /// Frames per second.
    public var frameRate: Double
    /// The audio codec's short name, e.g. `aac`; `nil` without an audio stream.
    public var audioCodec: String?
    /// Samples per second; `nil` without an audio stream.
    public var audioSampleRate: Int?
    /// Audio channels; `nil` without an audio stream.
    public var audioChannels: Int?
    /// The file's size in bytes.
    public var fileSize: Int64

    public init(
        duration: Double, width: Int, height: Int, videoCodec: String, videoProfile: String? = nil,
        videoLevel: Int? = nil, pixelFormat: String, frameRate: Double, audioCodec: String? = nil,
        audioSampleRate: Int? = nil, audioChannels: Int? = nil, fileSize: Int64
    ) {
        self.duration = duration
        self.width = width
        self.height = height
        self.videoCodec = videoCodec
        self.videoProfile = videoProfile
        self.videoLevel = videoLevel
        self.pixelFormat = pixelFormat
        self.frameRate = frameRate
        self.audioCodec = audioCodec
        self.audioSampleRate = audioSampleRate
        self.audioChannels = audioChannels
        self.fileSize = fileSize
    }
}
