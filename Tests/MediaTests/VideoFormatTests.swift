import Testing

@testable import Media

@Suite struct VideoFormatTests {
    @Test("The resolution names the short side and the ratio sets orientation", arguments: [
        ("720p", "9:16", 720, 1280), ("1080p", "9:16", 1080, 1920), ("4k", "9:16", 2160, 3840),
        ("1080p", "16:9", 1920, 1080), ("720p", "1:1", 720, 720), ("1080p", "4:3", 1440, 1080),
        ("1080p", "3:4", 1080, 1440), ("720p", "21:9", 1680, 720), ("4K", "16:9", 3840, 2160),
    ])
    func pixelSizes(resolution: String, ratio: String, width: Int, height: Int) throws {
        let format = try VideoFormat(resolution: resolution, aspectRatio: ratio)
        #expect((format.width, format.height) == (width, height))
    }

    @Test("Every format has even sides")
    func evenSides() {
        for resolution in VideoFormat.Resolution.allCases {
            for ratio in VideoFormat.AspectRatio.allCases {
                let format = VideoFormat(resolution: resolution, aspectRatio: ratio)
                #expect(format.width % 2 == 0 && format.height % 2 == 0, "\(format)")
                #expect(min(format.width, format.height) == resolution.shortSide)
            }
        }
    }

    @Test("No aspect ratio means 9:16")
    func defaultRatio() throws {
        #expect(try VideoFormat(resolution: "1080p").aspectRatio == .portrait9x16)
    }

    @Test("Unknown values are refused with the allowed values listed")
    func parsingErrorsListAllowedValues() {
        let resolution = #expect(throws: MediaError.self) { try VideoFormat(resolution: "8k") }
        #expect(resolution?.kind == .invalidArgument)
        #expect(resolution?.message == "resolution \"8k\" is not supported. Allowed values: 720p, 1080p, 4k.")
        let ratio = #expect(throws: MediaError.self) { try VideoFormat(resolution: "720p", aspectRatio: "2:1") }
        #expect(ratio?.message.contains("Allowed values: 9:16, 16:9, 1:1, 4:3, 3:4, 21:9.") == true)
    }

    @Test("The codec level covers every format but 4k at 21:9")
    func codecLevelCoverage() {
        let unsupported = VideoFormat.Resolution.allCases.flatMap { resolution in
            VideoFormat.AspectRatio.allCases.map { VideoFormat(resolution: resolution, aspectRatio: $0) }
        }.filter { !PrevizRenderer.codecProfile.supports($0) }
        #expect(unsupported == [VideoFormat(resolution: .uhd4k, aspectRatio: .cinema21x9)])
    }
}
