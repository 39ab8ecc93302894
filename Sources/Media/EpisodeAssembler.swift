import Foundation

/// The ffmpeg steps that assemble an episode from its shot clips: conform, concatenate, burn in subtitles, and
/// draw a storyboard contact sheet.
///
/// ```swift
/// let assembler = try EpisodeAssembler(ffmpeg: .locate(.ffmpeg), ffprobe: .locate(.ffprobe))
/// try await assembler.concatenate(clips: shotURLs, to: folder.appendingPathComponent("episode.mp4"))
/// try await assembler.burnSubtitles(video: episode, srt: subtitles, to: folder.appendingPathComponent("final.mp4"))
/// ```
///
/// Every output is written beside its destination under a temporary name and renamed into place when complete.
/// Encoded outputs use ``PrevizRenderer/codecProfile``.
public struct EpisodeAssembler: Sendable {
    public let ffmpeg: FFmpegTool
    public let probe: MediaProbe
    /// Threads for filters and the encoder.
    public var threads: Int

    public init(ffmpeg: FFmpegTool, ffprobe: FFmpegTool, threads: Int = 2) {
        self.ffmpeg = ffmpeg
        self.probe = MediaProbe(ffprobe: ffprobe)
        self.threads = max(1, threads)
    }

    var profile: ClipCodecProfile { PrevizRenderer.codecProfile }

    /// Joins clips end to end by stream copy (the concat demuxer with `-c copy`): no re-encoding, so it takes
    /// a fraction of a second and the result lasts the sum of the clips.
    /// - Throws: ``MediaError/Kind/incompatibleClips`` naming the first clip whose codec, profile, level, size, pixel
    ///   format, frame rate or audio differs from the first clip's; ``MediaError/Kind/invalidArgument`` for no clips.
    public func concatenate(clips: [URL], to output: URL) async throws {
        guard let first = clips.first else {
            throw MediaError(.invalidArgument, "There are no clips to concatenate. Give at least one clip.")
        }
        let reference = Self.streamParameters(try await probe.info(for: first))
        for (number, clip) in clips.enumerated().dropFirst() {
            let parameters = Self.streamParameters(try await probe.info(for: clip))
            let differences = zip(reference, parameters).filter { $0.value != $1.value }
                .map { "\($0.name) \($1.value) instead of \($0.value)" }
            guard differences.isEmpty else {
                throw MediaError(
                    .incompatibleClips,
                    "Clip \(number + 1) (\(clip.path)) cannot be joined to clip 1 (\(first.path)) by stream copy: it has "
                        + differences.joined(separator: ", ") + ". Render every clip in the same VideoFormat, or "
                        + "re-encode the odd ones with EpisodeAssembler.conform(_:to:output:) first.")
            }
        }
        try await ScratchFiles.withDirectory { scratch in
            let list = scratch.appendingPathComponent("clips.ffconcat")
            let lines = ["ffconcat version 1.0"] + clips.map { "file \($0.standardizedFileURL.path.concatListQuoted)" }
            try lines.joined(separator: "\n").write(to: list, atomically: false, encoding: .utf8)
            try await ScratchFiles.writeAtomically(to: output) { partial in
                try await ffmpeg.run([
                    "-f", "concat", "-safe", "0", "-i", list.path, "-map", "0", "-c", "copy",
                    "-movflags", "+faststart", "-f", "mp4", "-y", partial.path,
                ])
            }
        }
    }

    /// Re-encodes any clip (a provider's download, say) to `format` with the codec profile, so it joins previz
    /// clips by stream copy: scaled to fit and letterboxed, 24 fps, stereo AAC at 48 kHz (silence if it had no
    /// audio, padded with silence if shorter), cut to the clip's duration.
    public func conform(_ clip: URL, to format: VideoFormat, output: URL) async throws {
        try profile.check(format)
        let info = try await probe.info(for: clip)
        let (w, h) = (format.width, format.height)
        let video = "[0:v]scale=\(w):\(h):force_original_aspect_ratio=decrease,pad=\(w):\(h):(ow-iw)/2:(oh-ih)/2,"
            + "setsar=1,fps=\(profile.frameRate),format=\(profile.pixelFormat)[v]"
        let rate = profile.audioSampleRate
        let audioSource = info.audioCodec == nil ? "anullsrc=r=\(rate):cl=stereo" : "[0:a]aresample=\(rate)"
        let audio = "\(audioSource),aformat=channel_layouts=stereo,apad,atrim=end=\(info.duration)[a]"
        try await ScratchFiles.writeAtomically(to: output) { partial in
            try await ffmpeg.run(
                ["-i", clip.path, "-filter_complex_threads", "\(threads)", "-filter_complex", video + ";" + audio,
                 "-map", "[v]", "-map", "[a]", "-t", "\(info.duration)"]
                    + profile.encodingArguments(threads: threads) + ["-y", partial.path])
        }
    }

    /// Draws an SRT file's subtitles into the picture (libass, with a CJK-capable font) and re-encodes with the
    /// codec profile. The text is about 6.5 % of the frame's short side, white with a dark outline, near the bottom.
    /// - Throws: ``MediaError/Kind/toolFailed`` when the subtitles cannot be read; ``MediaError/Kind/fontNotFound``.
    public func burnSubtitles(video: URL, srt: URL, to output: URL) async throws {
        let info = try await probe.info(for: video)
        let font = try await Typeface.locate(for: .cjk)
        // libass measures in a 288-line script space scaled to the frame's height.
        let scale = 288 / Double(info.height)
        let fontSize = Int((Double(min(info.width, info.height)) * 0.065 * scale).rounded())
        let style = "FontName=\(font.family),FontSize=\(fontSize),PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000"
            + ",BorderStyle=1,Outline=1,Shadow=0,MarginV=\(Int(Double(info.height) * 0.06 * scale))"
        let fontsFolder = URL(fileURLWithPath: font.file).deletingLastPathComponent().path
        let filter = "subtitles=filename=\(srt.path.filterEscaped):charenc=UTF-8:force_style=\(style.filterEscaped)"
            + (font.viaFontconfig ? "" : ":fontsdir=\(fontsFolder.filterEscaped)")
        try await ScratchFiles.writeAtomically(to: output) { partial in
            try await ffmpeg.run(
                ["-i", video.path, "-filter_threads", "\(threads)", "-vf", filter, "-map", "0:v:0", "-map", "0:a?"]
                    + profile.encodingArguments(threads: threads) + ["-y", partial.path])
        }
    }

    /// What must match for two clips to join by stream copy, as (name, value) pairs.
    static func streamParameters(_ info: MediaInfo) -> [(name: String, value: String)] {
        [
            ("video codec", info.videoCodec), ("profile", info.videoProfile ?? "none"),
            ("level", info.videoLevel.map(String.init) ?? "none"), ("size", "\(info.width)×\(info.height)"),
            ("pixel format", info.pixelFormat), ("frame rate", String(format: "%.3f fps", info.frameRate)),
            ("audio codec", info.audioCodec ?? "none"),
            ("audio sample rate", info.audioSampleRate.map { "\($0) Hz" } ?? "none"),
            ("audio channels", info.audioChannels.map(String.init) ?? "none"),
        ]
    }
}
