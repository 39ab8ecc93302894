import Foundation
import Media
import Testing
@testable import Drama

/// Assembly of produced clips with real ffmpeg: the MP4, its SRT and the contact sheet.
@Suite struct AssemblyTests {
    @Test("three clips assemble into an MP4 lasting the sum of the shots, a valid SRT and a contact sheet")
    func threeClips_assemble() async throws {
        let folder = try TemporaryFolder()
        let board = Storyboard.short(3, seconds: 2)
        let producer = try Producer.open(
            folder: EpisodeFolder(folder.url), storyboard: board, model: "m", resolution: "720p", aspectRatio: "9:16",
            source: try PrevizClipSource(), options: ProducerTests.fast)
        try await producer.run()
        let media = EpisodeAssembler(ffmpeg: try FFmpegTool.locate(.ffmpeg), ffprobe: try FFmpegTool.locate(.ffprobe), threads: 2)
        let result = try await Assembler(media: media).assemble(EpisodeFolder(folder.url), storyboard: board)

        let info = try await media.probe.info(for: result.episode)
        #expect(abs(info.duration - Double(board.totalSeconds)) < 0.1, "\(info.duration) s")
        #expect(info.width == 720 && info.height == 1280)
        let srt = try String(contentsOf: result.subtitles, encoding: .utf8)
        let blocks = srt.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(blocks.count == 3)
        #expect(blocks[1].hasPrefix("2\n00:00:02,000 --> 00:00:03,920\nMei: 你终于来了。"))
        let png = try Data(contentsOf: result.contactSheet)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test("a shot's lines share its time by reading time, cue after cue")
    func subtitles_splitByReadingTime() throws {
        let shots = [
            Shot(id: "s01-01", sceneNumber: 1, description: "a", cameraNote: "b", durationSeconds: 5),
            Shot(
                id: "s01-02", sceneNumber: 1, description: "a", cameraNote: "b",
                dialogue: [.init(speaker: "MEI", text: "one two three four five"), .init(speaker: "LIN", text: "six seven eight nine ten eleven twelve thirteen fourteen fifteen")],
                durationSeconds: 9),
        ]
        let cues = try SubtitleTimeline().document(shots: shots).cues
        #expect(cues.count == 2)
        #expect(cues[0].start == .seconds(5) && cues[0].end == .milliseconds(7920))  // 2 s of reading of 6: a third of 9 s
        #expect(cues[1].start == .seconds(8) && cues[1].end == .milliseconds(13920))
        #expect(cues[1].text == "Lin: six seven eight nine ten eleven twelve thirteen fourteen fifteen")
    }

    @Test("assembling with a missing clip names the shot and says how to finish it")
    func missingClip_isNamed() async throws {
        let folder = try TemporaryFolder()
        let media = EpisodeAssembler(ffmpeg: try FFmpegTool.locate(.ffmpeg), ffprobe: try FFmpegTool.locate(.ffprobe))
        let error = await #expect(throws: DramaError.self) {
            try await Assembler(media: media).assemble(EpisodeFolder(folder.url), storyboard: .short(2))
        }
        #expect(error?.message.contains("s01-01") == true && error?.message.contains("drama produce") == true)
    }
}
