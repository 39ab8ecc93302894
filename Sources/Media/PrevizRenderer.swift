import Foundation

/// Renders a previz animatic: a real MP4 clip that shows a shot's text over a background graded by its tone, with
/// the camera note as a caption, an optional timer, and a slow pan.
///
/// ```swift
/// let renderer = PrevizRenderer(ffmpeg: try FFmpegTool.locate(.ffmpeg))
/// let shot = PrevizShot(text: "Lin Yue stands at the rooftop's edge.", cameraNote: "slow push in",
///                       emotionTone: "tense", durationSeconds: 5, format: VideoFormat(resolution: .p1080))
/// try await renderer.render(shot, to: URL(fileURLWithPath: "shot-01.mp4"))
/// ```
///
/// Every clip is exactly `durationSeconds × 24` frames of the format's size, encoded with ``codecProfile`` plus
/// silent stereo AAC of the same length, so clips of one format join with ``EpisodeAssembler/concatenate(clips:to:)``.
/// The background and text are drawn once on a still slightly larger than the frame and the pan is a moving crop,
/// so the cost is mostly the encoder's: a 5 s 1080×1920 clip takes about a second on two cores.
public struct PrevizRenderer: Sendable {
    /// The encoding of every previz clip.
    public static let codecProfile = ClipCodecProfile()

    public let ffmpeg: FFmpegTool
    /// Threads for the filter graph and for the encoder.
    public var threads: Int
    /// Whether a running timer and frame counter are drawn in the bottom corner.
    public var showsTimer: Bool

    public init(ffmpeg: FFmpegTool, threads: Int = 2, showsTimer: Bool = true) {
        self.ffmpeg = ffmpeg
        self.threads = max(1, threads)
        self.showsTimer = showsTimer
    }

    /// Renders `shot` to `output` (MP4). The clip is written beside `output` under a temporary name and renamed into
    /// place once complete; an existing file at `output` is replaced.
    /// - Throws: ``MediaError/Kind/invalidArgument`` for an empty text, a duration outside 1…600 s, or a format
    ///   beyond the codec level; ``MediaError/Kind/fontNotFound``; ``MediaError/Kind/toolFailed``;
    ///   `CancellationError`, after ffmpeg has been stopped and the temporary file removed.
    public func render(_ shot: PrevizShot, to output: URL) async throws {
        guard !shot.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw MediaError(.invalidArgument, "The shot has no text. Give the shot's prompt or description.")
        }
        guard (1...600).contains(shot.durationSeconds) else {
            throw MediaError(
                .invalidArgument,
                "A previz clip lasts 1 to 600 seconds, not \(shot.durationSeconds). Pick a duration in range.")
        }
        try Self.codecProfile.check(shot.format)
        try await ScratchFiles.withDirectory { scratch in
            let graph = try await filterGraph(for: shot, scratch: scratch)
            try await ScratchFiles.writeAtomically(to: output) { partial in
                try await ffmpeg.run(
                    ["-filter_complex_threads", "\(threads)", "-filter_complex", graph, "-map", "[v]", "-map", "[a]"]
                        + Self.codecProfile.encodingArguments(threads: threads) + ["-y", partial.path])
            }
        }
    }

    /// The graph: a three-stop gradient scaled once to the still's size, the text layers drawn on it, the still
    /// repeated for every frame and panned by a crop, the timer in the bottom corner; and silence of the same length.
    func filterGraph(for shot: PrevizShot, scratch: URL) async throws -> String {
        let (width, height, short) = (shot.format.width, shot.format.height, Double(shot.format.shortSide))
        let still = PrevizMotion.stillSize(width: width, height: height)
        let fps = Self.codecProfile.frameRate
        let frames = shot.durationSeconds * fps
        let stops = shot.tone.gradient.enumerated().map { index, rgb in
            "color=c=0x\(String(format: "%06X", rgb)):s=2x2:r=\(fps):d=1,format=rgb24[c\(index)]"
        }

        var layers: [String] = []
        /// Draws `text` centred at `y` of the still, in lines at most `maxWidth` pixels wide: as many lines as fit in
        /// half the frame, within `lineLimits`, shrinking the font by up to 28 % before cutting the text.
        func draw(
            _ text: String, name: String, size: Double, y: String, maxWidth: Double, lineLimits: ClosedRange<Int>,
            box: String?
        ) async throws {
            guard !text.isEmpty else { return }
            var fontSize = size, layout = TextLayout.Result(lines: [], truncated: true)
            for scale in [1, 0.85, 0.72] where layout.truncated {  // shrink until it fits, else cut
                fontSize = (size * scale).rounded()
                let fitting = Int(Double(height) * 0.5 / (fontSize * 1.45))
                let lines = min(lineLimits.upperBound, max(lineLimits.lowerBound, fitting))
                layout = TextLayout(maxWidth: maxWidth / fontSize, maxLines: lines).wrap(text)
            }
            let file = scratch.appendingPathComponent("\(name).txt")
            try layout.text.write(to: file, atomically: false, encoding: .utf8)
            let font = try await Typeface.locate(for: Typeface.Script(of: layout.text))
            let boxOptions = box.map { ":box=1:boxcolor=\($0):boxborderw=\(Int(fontSize * 0.4))" } ?? ""
            layers.append(
                "drawtext=\(font.drawtextOption):textfile=\(file.path.filterEscaped):expansion=none"
                    + ":fontsize=\(Int(fontSize)):fontcolor=white:line_spacing=\(Int(fontSize * 0.25))"
                    + ":x=(w-text_w)/2:y=\(y)\(boxOptions)")
        }
        let top = Double(still.height - height) / 2
        let textWidth = Double(width) * 0.84
        try await draw(
            shot.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", name: "title", size: short * 0.042,
            y: "\(Int(top + Double(height) * 0.06))", maxWidth: textWidth, lineLimits: 1...1, box: nil)
        try await draw(
            shot.text, name: "text", size: short * 0.058, y: "(h-text_h)/2", maxWidth: textWidth - short * 0.05,
            lineLimits: 2...14, box: "black@0.35")
        try await draw(
            shot.caption, name: "caption", size: short * 0.034, y: "\(Int(top + Double(height) * 0.8))",
            maxWidth: textWidth - short * 0.03, lineLimits: 1...2, box: "black@0.5")

        var video = stops.joined(separator: ";") + ";[c0][c1][c2]vstack=inputs=3,trim=end_frame=1,"
            + "scale=\(still.width):\(still.height):flags=bicubic,"
            + (layers + ["format=\(Self.codecProfile.pixelFormat)"]).joined(separator: ",")
            + ",loop=loop=\(frames - 1):size=1:start=0,setpts=N/\(fps)/TB,"
            + shot.motion.cropFilter(width: width, height: height, frames: frames)
        if showsTimer {
            let file = scratch.appendingPathComponent("timer.txt")
            try "%{pts:hms}   %{eif:n+1:d:\(String(frames).count)}/\(frames)".write(
                to: file, atomically: false, encoding: .utf8)
            let margin = Int(short * 0.03)
            video += ",drawtext=\(try await Typeface.locate(for: .latin).drawtextOption)"
                + ":textfile=\(file.path.filterEscaped):fontsize=\(Int(short * 0.026)):fontcolor=white@0.8"
                + ":x=w-text_w-\(margin):y=h-text_h-\(margin)"
        }
        let samples = shot.durationSeconds * Self.codecProfile.audioSampleRate
        return video + "[v];anullsrc=r=\(Self.codecProfile.audioSampleRate):cl=stereo,atrim=end_sample=\(samples)[a]"
    }
}
