/// The encoding shared by every clip the media tools write, so that clips from separate renders join with
/// `-c copy`: identical H.264 parameters (profile, level, pixel format, frame rate, fixed closed GOP, no B-frames)
/// and identical AAC audio.
///
/// ``PrevizRenderer/codecProfile`` is the one instance; ``EpisodeAssembler`` encodes with it too.
public struct ClipCodecProfile: Sendable, Hashable, CustomStringConvertible {
    /// The codec as `ffprobe` names it.
    public let videoCodec = "h264"
    /// The x264 profile asked for. `ultrafast` uses no CABAC, 8×8 transform or B-frames, so the stream is
    /// Constrained Baseline, which is what `ffprobe` reports.
    public let profile = "baseline"
    /// The profile as `ffprobe` reports it.
    public let probedProfile = "Constrained Baseline"
    /// H.264 level 5.1: up to 36 864 macroblocks per frame, which covers every ``VideoFormat`` except 4k at 21:9.
    public let level = "5.1"
    public let pixelFormat = "yuv420p"
    public let frameRate = 24
    /// A keyframe every 2 seconds, never elsewhere.
    public let keyframeInterval = 48
    public let preset = "ultrafast"
    public let audioCodec = "aac"
    public let audioSampleRate = 48_000
    public let audioChannels = 2
    public let audioBitrate = "96k"
    /// The largest frame level 5.1 allows, in 16×16 macroblocks.
    public let maxMacroblocksPerFrame = 36_864

    init() {}

    public var description: String {
        "H.264 \(probedProfile) level \(level) \(pixelFormat) \(frameRate) fps, GOP \(keyframeInterval) closed, "
            + "no B-frames; AAC-LC \(audioSampleRate) Hz stereo \(audioBitrate); MP4 +faststart"
    }

    /// Whether a frame of this format stays within the level.
    public func supports(_ format: VideoFormat) -> Bool {
        ((format.width + 15) / 16) * ((format.height + 15) / 16) <= maxMacroblocksPerFrame
    }

    /// Throws unless ``supports(_:)``.
    func check(_ format: VideoFormat) throws {
        guard supports(format) else {
            throw MediaError(
                .invalidArgument,
                "\(format) is larger than H.264 level \(level) allows (\(maxMacroblocksPerFrame) macroblocks per frame). "
                    + "Use 1080p for \(format.aspectRatio.rawValue), or another aspect ratio at 4k.")
        }
    }

    /// The output options that encode video and audio with this profile into a fast-start MP4.
    func encodingArguments(threads: Int) -> [String] {
        [
            "-c:v", "libx264", "-preset", preset, "-profile:v", profile, "-level:v", level,
            "-pix_fmt", pixelFormat, "-g", "\(keyframeInterval)", "-keyint_min", "\(keyframeInterval)",
            "-sc_threshold", "0", "-bf", "0", "-threads", "\(threads)",
            "-c:a", audioCodec, "-b:a", audioBitrate, "-ar", "\(audioSampleRate)", "-ac", "\(audioChannels)",
            "-movflags", "+faststart", "-f", "mp4",
        ]
    }
}
