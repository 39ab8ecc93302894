import Foundation
import HolySheepKit
import Media
import Testing
@testable import Drama

/// The producer through HolySheepKit's video client against a fake of the platform's video API.
@Suite struct HolySheepClipSourceTests {
    @Test("a job that ends failed is replaced by a new job under a new key")
    func failedJob_isReplaced() async throws {
        let folder = try TemporaryFolder()
        let format = VideoFormat(resolution: .p720)
        let ffmpeg = try FFmpegTool.locate(.ffmpeg)
        let reference = folder.url.appending(path: "reference.mp4")
        try await PrevizRenderer(ffmpeg: ffmpeg, threads: 1, showsTimer: false)
            .render(PrevizShot(text: "reference", durationSeconds: 1, format: format), to: reference)
        let platform = FakeVideoPlatform(clip: try Data(contentsOf: reference), failFirst: 1)
        try await platform.run { port in
            var source = HolySheepClipSource(
                client: HolySheepClient(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "hs_test_fake"), model: "video-gen-2.1",
                format: format, assembler: EpisodeAssembler(ffmpeg: ffmpeg, ffprobe: try FFmpegTool.locate(.ffprobe)))
            source.pollInterval = .milliseconds(50)
            let state = try await Producer.open(
                folder: EpisodeFolder(folder.url.appending(path: "episode")), storyboard: .short(1), model: "video-gen-2.1", resolution: "720p",
                aspectRatio: "9:16", source: source, options: ProducerTests.fast
            ).run()
            #expect(state.completedCount == 1 && state.shots[0].failedJobs == 1 && state.shots[0].generations == 1)
        }
        let keys = platform.state.withLock { $0.keys }
        #expect(keys.count == 2 && keys[1] == keys[0] + "-f1")
    }

    @Test("clips come through submit → wait → download, each key submitted once; a 429 is waited out; costs are booked")
    func producer_throughTheVideoClient() async throws {
        let folder = try TemporaryFolder()
        let format = VideoFormat(resolution: .p720)
        let ffmpeg = try FFmpegTool.locate(.ffmpeg)
        let reference = folder.url.appending(path: "reference.mp4")
        try await PrevizRenderer(ffmpeg: ffmpeg, threads: 1, showsTimer: false)
            .render(PrevizShot(text: "reference", durationSeconds: 1, format: format), to: reference)
        let platform = FakeVideoPlatform(clip: try Data(contentsOf: reference), rateLimited: 1)
        let board = Storyboard.short(3)
        try await platform.run { port in
            let client = HolySheepClient(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, apiKey: "hs_test_fake")
            var source = HolySheepClipSource(
                client: client, model: "video-gen-2.1", format: format,
                assembler: EpisodeAssembler(ffmpeg: ffmpeg, ffprobe: try FFmpegTool.locate(.ffprobe)))
            source.pollInterval = .milliseconds(50)
            let episode = EpisodeFolder(folder.url.appending(path: "episode"))
            let producer = try Producer.open(
                folder: episode, storyboard: board, model: "video-gen-2.1", resolution: "720p", aspectRatio: "9:16", source: source,
                options: ProducerTests.fast)
            let state = try await producer.run()
            #expect(state.completedCount == 3)
            #expect(state.shots.map(\.spentCNY) == [Decimal(string: "0.05")!, Decimal(string: "0.05")!, Decimal(string: "0.05")!])
            for shot in board.shots {
                #expect(try Data(contentsOf: episode.clip(shot.id)) == platform.clip, "a clip in the previz profile is kept as downloaded")
            }
        }
        let counts = platform.state.withLock { $0 }
        #expect(counts.submits == 4, "three shots and one 429 retried by the SDK")
        #expect(Set(counts.keys).count == 3 && counts.keys.count == 3)
    }
}
