import Foundation
import Testing

@testable import Media

@Suite struct FFmpegToolTests {
    @Test("A variable pointing at a missing ffmpeg is named in the error, with how to install ffmpeg")
    func missingExecutableFromVariable() throws {
        let error = try #require(throws: MediaError.self) {
            try FFmpegTool.locate(.ffmpeg, environment: ["HOLYSHEEP_FFMPEG": "/nonexistent/ffmpeg", "PATH": "/usr/bin"])
        }
        #expect(error.kind == .toolNotFound)
        #expect(error.message.contains("HOLYSHEEP_FFMPEG is set to /nonexistent/ffmpeg"))
        #expect(error.message.contains("apt-get install ffmpeg"))
    }

    @Test("ffprobe missing from PATH says to install FFmpeg or set HOLYSHEEP_FFPROBE")
    func missingExecutableOnPath() throws {
        let error = try #require(throws: MediaError.self) {
            try FFmpegTool.locate(.ffprobe, environment: ["PATH": "/nonexistent"])
        }
        #expect(error.kind == .toolNotFound)
        #expect(error.message.contains("ffprobe was not found on PATH"))
        #expect(error.message.contains("HOLYSHEEP_FFPROBE"))
    }

    @Test("A failing command's error names the command, its exit status and its error output")
    func failureNamesCommandStatusAndStderr() async throws {
        let error = try await #require(throws: MediaError.self) {
            try await MediaFixtures.ffmpeg().run(["-i", "/nonexistent/input.mp4", "-f", "null", "-"])
        }
        #expect(error.kind == .toolFailed)
        #expect(error.message.contains("`ffmpeg -nostdin -hide_banner -loglevel error -i /nonexistent/input.mp4"))
        #expect(error.message.contains("exited with status 1"))
        #expect(error.message.contains("No such file or directory"))
    }

    @Test("Standard output comes back whole")
    func returnsStandardOutput() async throws {
        let output = try await FFmpegTool.locate(.ffprobe).run(["-version"])
        #expect(String(decoding: output, as: UTF8.self).hasPrefix("ffprobe version"))
    }

    @Test("Cancelling the task terminates ffmpeg and throws CancellationError")
    func cancellationTerminatesTheProcess() async throws {
        let marker = "cancel-\(UUID().uuidString)"
        let ffmpeg = try MediaFixtures.ffmpeg()
        let endless = Task {
            try await ffmpeg.run(["-f", "lavfi", "-i", "anullsrc", "-metadata", "title=\(marker)", "-f", "null", "-"])
        }
        let started = ContinuousClock.now
        while !MediaFixtures.processRunning(withArgumentContaining: marker), ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))  // a loaded host may take a while to start it
        }
        #expect(MediaFixtures.processRunning(withArgumentContaining: marker))
        let start = ContinuousClock.now
        endless.cancel()
        await #expect(throws: CancellationError.self) { try await endless.value }
        #expect(ContinuousClock.now - start < .seconds(15))  // terminated, not left running
        #expect(!MediaFixtures.processRunning(withArgumentContaining: marker))
    }
}
