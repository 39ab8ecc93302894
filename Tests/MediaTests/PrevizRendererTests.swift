import Foundation
import Testing

@testable import Media

@Suite struct PrevizRendererTests {
    @Test("A 1080p clip has the exact length and size, the codec profile, silent AAC and its index before its data")
    func clipMatchesTheProfile() async throws {
        try await MediaFixtures.withFolder { folder in
            let clip = folder.appendingPathComponent("shot.mp4")
            let shot = PrevizShot(
                text: "INT. ROOFTOP - NIGHT\nLin Yue stands at the edge.", cameraNote: "slow push in, 35mm",
                style: "neo-noir", emotionTone: "tense", durationSeconds: 2, format: VideoFormat(resolution: .p1080),
                title: "EP 1 · SHOT 3")
            try await MediaFixtures.renderer().render(shot, to: clip)

            let info = try await MediaFixtures.probe().info(for: clip)
            let profile = PrevizRenderer.codecProfile
            #expect(abs(info.duration - 2) <= 1.0 / 24)
            #expect((info.width, info.height) == (1080, 1920))
            #expect(info.videoCodec == "h264" && info.pixelFormat == "yuv420p")
            #expect(info.videoProfile == profile.probedProfile && info.videoLevel == 51)
            #expect(info.frameRate == 24)
            #expect(info.audioCodec == "aac" && info.audioSampleRate == 48_000 && info.audioChannels == 2)
            let boxes = try MediaFixtures.topLevelBoxes(of: clip)
            let moov = try #require(boxes.firstIndex(of: "moov")), mdat = try #require(boxes.firstIndex(of: "mdat"))
            #expect(moov < mdat, "faststart puts moov before mdat: \(boxes)")
            #expect(try MediaFixtures.contents(of: folder) == ["shot.mp4"])
        }
    }

    @Test("Each tone grades the background with its own colour")
    func tonesHaveDistinctColours() async throws {
        try await MediaFixtures.withFolder { folder in
            var colours: [PrevizTone: [UInt8]] = [:]
            for tone in PrevizTone.allCases {
                let clip = folder.appendingPathComponent("\(tone).mp4")
                try await MediaFixtures.renderer().render(MediaFixtures.shot("x", tone: tone.rawValue), to: clip)
                let rgb = try await MediaFixtures.pixels(of: clip, x: 4, y: 640)
                let expected = [16, 8, 0].map { UInt8(truncatingIfNeeded: tone.gradient[1] >> $0) }
                let close = zip(rgb, expected).allSatisfy { abs(Int($0) - Int($1)) <= 24 }
                #expect(close, "\(tone): \(rgb) vs \(expected)")
                colours[tone] = rgb
            }
            for (a, b) in zip(PrevizTone.allCases, PrevizTone.allCases.dropFirst()) {
                #expect(zip(colours[a]!, colours[b]!).map { abs(Int($0) - Int($1)) }.reduce(0, +) > 60)
            }
        }
    }

    @Test("Tones match their words whatever the case; unknown tones fall back to neutral")
    func toneNames() {
        #expect(PrevizTone(emotionTone: " Joyful ") == .warm)
        #expect(PrevizTone(emotionTone: "suspense") == .tense)
        #expect(PrevizTone(emotionTone: "melancholy") == .sad)
        #expect(PrevizTone(emotionTone: "love") == .romantic)
        #expect(PrevizTone(emotionTone: "bewildered") == .neutral)
        #expect(PrevizTone(emotionTone: nil) == .neutral)
    }

    @Test("A Chinese prompt renders as text in a CJK font")
    func cjkPromptRenders() async throws {
        try await MediaFixtures.withFolder { folder in
            let clip = folder.appendingPathComponent("cjk.mp4")
            let shot = MediaFixtures.shot("夜色中，林悦站在天台边缘。", tone: "sad")
            try await MediaFixtures.renderer().render(shot, to: clip)
            #expect(try await Typeface.locate(for: .cjk).family.contains("CJK"))
            let bright = try await MediaFixtures.brightPixels(of: clip, at: 0, x: 60, y: 590, width: 600, height: 100)
            #expect(bright > 500, "white glyphs in the middle of the frame")
        }
    }

    @Test("The same seed moves the same way, and seeds choose among several pans")
    func motionFollowsTheSeed() {
        #expect(PrevizMotion(seed: 42) == PrevizMotion(seed: 42))
        #expect(Set((0..<64).map { PrevizMotion(seed: $0) }.map { [$0.start, $0.end] }).count >= 6)
        #expect(PrevizMotion.seed(for: "a shot") == PrevizMotion.seed(for: "a shot"))
    }

    @Test("Cancelling a render stops ffmpeg and leaves no file behind")
    func cancellationLeavesNoFile() async throws {
        try await MediaFixtures.withFolder { folder in
            let renderer = try MediaFixtures.renderer()
            let output = folder.appendingPathComponent("long.mp4")
            let render = Task { try await renderer.render(MediaFixtures.shot(seconds: 120), to: output) }
            // Wait (bounded) for ffmpeg to be running: a busy machine may take a while to start it.
            for _ in 0..<100 where !MediaFixtures.processRunning(withArgumentContaining: folder.path) {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(MediaFixtures.processRunning(withArgumentContaining: folder.path))
            render.cancel()
            await #expect(throws: CancellationError.self) { try await render.value }
            #expect(!MediaFixtures.processRunning(withArgumentContaining: folder.path))
            #expect(try MediaFixtures.contents(of: folder) == [])
        }
    }

    @Test("Shots that cannot render are refused with what to change", arguments: [
        (MediaFixtures.shot("  "), "has no text"),
        (MediaFixtures.shot(seconds: 0), "1 to 600 seconds"),
        (MediaFixtures.shot(format: VideoFormat(resolution: .uhd4k, aspectRatio: .cinema21x9)), "level 5.1"),
    ])
    func invalidShots(shot: PrevizShot, reason: String) async throws {
        let error = try await #require(throws: MediaError.self) {
            try await MediaFixtures.renderer().render(shot, to: URL(fileURLWithPath: "/nonexistent/shot.mp4"))
        }
        #expect(error.kind == .invalidArgument)
        #expect(error.message.contains(reason))
    }
}
