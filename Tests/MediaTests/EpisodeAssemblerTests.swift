import Foundation
import Testing

@testable import Media

@Suite struct EpisodeAssemblerTests {
    /// Renders 720p 9:16 clips of the given lengths into `folder`.
    func clips(_ seconds: [Int], in folder: URL) async throws -> [URL] {
        var urls: [URL] = []
        for (index, length) in seconds.enumerated() {
            let url = folder.appendingPathComponent("shot-\(index + 1).mp4")
            try await MediaFixtures.renderer().render(MediaFixtures.shot("Shot \(index + 1)", seconds: length), to: url)
            urls.append(url)
        }
        return urls
    }

    @Test("Three clips of different lengths join by stream copy into the sum of their durations")
    func concatenation() async throws {
        try await MediaFixtures.withFolder { folder in
            let episode = folder.appendingPathComponent("episode.mp4")
            try await MediaFixtures.assembler().concatenate(clips: clips([1, 2, 3], in: folder), to: episode)
            let info = try await MediaFixtures.probe().info(for: episode)
            #expect(abs(info.duration - 6) <= 2.0 / 24, "\(info.duration)")
            #expect((info.width, info.height, info.videoCodec, info.audioCodec) == (720, 1280, "h264", "aac"))
            let boxes = try MediaFixtures.topLevelBoxes(of: episode)
            #expect(boxes.firstIndex(of: "moov")! < boxes.firstIndex(of: "mdat")!)
        }
    }

    @Test("Clips of different sizes are refused, naming the clip and what differs")
    func incompatibleClips() async throws {
        try await MediaFixtures.withFolder { folder in
            let portrait = try await clips([1], in: folder)[0]
            let landscape = folder.appendingPathComponent("landscape.mp4")
            let format = VideoFormat(resolution: .p720, aspectRatio: .landscape16x9)
            try await MediaFixtures.renderer().render(MediaFixtures.shot(format: format), to: landscape)
            let error = try await #require(throws: MediaError.self) {
                try await MediaFixtures.assembler().concatenate(
                    clips: [portrait, landscape], to: folder.appendingPathComponent("episode.mp4"))
            }
            #expect(error.kind == .incompatibleClips)
            #expect(error.message.contains("Clip 2 (\(landscape.path))"))
            #expect(error.message.contains("size 1280×720 instead of 720×1280"))
        }
    }

    @Test("A foreign clip conformed to the format joins previz clips by stream copy")
    func conformThenConcatenate() async throws {
        try await MediaFixtures.withFolder { folder in
            let foreign = folder.appendingPathComponent("foreign.mp4")
            try await MediaFixtures.ffmpeg().run([
                "-f", "lavfi", "-i", "testsrc=s=640x480:r=30:d=1.5", "-c:v", "libx264", "-profile:v", "high",
                "-pix_fmt", "yuv420p", foreign.path,
            ])
            let conformed = folder.appendingPathComponent("conformed.mp4")
            try await MediaFixtures.assembler().conform(foreign, to: VideoFormat(resolution: .p720), output: conformed)
            let episode = folder.appendingPathComponent("episode.mp4")
            let previz = try await clips([1], in: folder)
            try await MediaFixtures.assembler().concatenate(clips: previz + [conformed], to: episode)
            let info = try await MediaFixtures.probe().info(for: episode)
            #expect(abs(info.duration - 2.5) <= 2.0 / 24, "\(info.duration)")
        }
    }

    @Test("A contact sheet is a PNG of columns × cells, each the middle frame over its label")
    func contactSheet() async throws {
        try await MediaFixtures.withFolder { folder in
            let sheet = folder.appendingPathComponent("storyboard.png")
            try await MediaFixtures.assembler().contactSheet(
                clips: clips([1, 1, 2], in: folder), labels: ["1 · rooftop", "镜头 2", "3"], columns: 2, cellWidth: 160,
                to: sheet)
            // A 160-wide cell of a 720×1280 clip: a 284-high picture over a 20-high band; 2 columns, 2 rows.
            let size = try #require(try MediaFixtures.pngSize(of: sheet))
            #expect(size == (320, 608))
        }
    }

    @Test("Burned subtitles give a valid video of the same length with the text drawn in")
    func burnedSubtitles() async throws {
        try await MediaFixtures.withFolder { folder in
            let video = try await clips([2], in: folder)[0]
            let srt = folder.appendingPathComponent("episode.srt")
            let cue = SubtitleCue(index: 1, start: .zero, end: .seconds(2), text: "你终于来了。I never left.")
            try SRTDocument(cues: [cue]).write(to: srt)
            let burned = folder.appendingPathComponent("burned.mp4")
            try await MediaFixtures.assembler().burnSubtitles(video: video, srt: srt, to: burned)

            let info = try await MediaFixtures.probe().info(for: burned)
            #expect(abs(info.duration - 2) <= 1.0 / 24)
            #expect((info.width, info.height) == (720, 1280))
            #expect(info.videoProfile == PrevizRenderer.codecProfile.probedProfile)
            // The lowest quarter of the frame, where the subtitle sits.
            let before = try await MediaFixtures.brightPixels(of: video, at: 1, x: 0, y: 960, width: 720, height: 320)
            let after = try await MediaFixtures.brightPixels(of: burned, at: 1, x: 0, y: 960, width: 720, height: 320)
            #expect(after > before + 300, "subtitle glyphs: \(before) → \(after) bright pixels")
        }
    }

    @Test("A contact sheet without matching labels is refused")
    func contactSheetLabelsMustMatch() async throws {
        let error = try await #require(throws: MediaError.self) {
            try await MediaFixtures.assembler().contactSheet(
                clips: [URL(fileURLWithPath: "/a.mp4")], labels: [], columns: 1, to: URL(fileURLWithPath: "/s.png"))
        }
        #expect(error.message.contains("one label per clip"))
    }
}
