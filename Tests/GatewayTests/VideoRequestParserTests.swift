import Foundation
import HolySheepCore
import Testing
@testable import Gateway

@Suite struct VideoRequestParserTests {
    @Test func guideDefaults_are5Seconds1080pPortrait() throws {
        let spec = try VideoRequestParser.guideSpec(["prompt": "She turns"])
        #expect(spec == VideoJobSpec(prompt: "She turns", duration: 5, resolution: "1080p", aspectRatio: "9:16"))
    }

    @Test(arguments: [
        (#"{"prompt": "x", "duration": 4}"#, "duration"),
        (#"{"prompt": "x", "duration": 31}"#, "duration"),
        (#"{"prompt": "x", "duration": 5.5}"#, "duration"),
        (#"{"prompt": "x", "resolution": "8k"}"#, "resolution"),
        (#"{"prompt": "x", "aspect_ratio": "2:1"}"#, "aspect_ratio"),
        (#"{"prompt": "  "}"#, "prompt"),
        (#"{"prompt": "x", "image_url": "ftp://a/b.png"}"#, "image_url"),
    ])
    func invalidFields_say400NamingTheField(json: String, field: String) throws {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect {
            _ = try VideoRequestParser.guideSpec(body)
        } throws: { error in
            (error as? APIError)?.status == 400 && (error as? APIError)?.param == field
        }
    }

    @Test func openAISeconds_belowFiveBecomeFive_andSizePicksResolutionAndRatio() throws {
        let spec = try VideoRequestParser.openAISpec(["prompt": "cat", "seconds": "4", "size": "1280x720"])
        #expect(spec.duration == 5 && spec.resolution == "720p" && spec.aspectRatio == "16:9")
        let tall = try VideoRequestParser.openAISpec(["prompt": "cat", "seconds": "12", "size": "1024x1792"])
        #expect(tall.duration == 12 && tall.resolution == "1080p" && tall.aspectRatio == "9:16")
    }

    @Test func multipartFields_areRead() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nA cat\r\n--b\r\nContent-Disposition: form-data; name=\"seconds\"\r\n\r\n8\r\n--b--\r\n"
        let fields = VideoRequestParser.multipartFields(Array(body.utf8), contentType: "multipart/form-data; boundary=b")
        #expect(fields?["prompt"] as? String == "A cat")
        #expect(fields?["seconds"] as? String == "8")
    }

    @Test func byteRanges_followRFC9110() {
        #expect(VideoController.byteRange("bytes=0-99", size: 1000) == 0...99)
        #expect(VideoController.byteRange("bytes=900-", size: 1000) == 900...999)
        #expect(VideoController.byteRange("bytes=-100", size: 1000) == 900...999)
        #expect(VideoController.byteRange("bytes=990-2000", size: 1000) == 990...999)
        #expect(VideoController.byteRange("bytes=1000-", size: 1000) == nil)
        #expect(VideoController.byteRange("bytes=5-1", size: 1000) == nil)
        #expect(VideoController.byteRange("items=0-1", size: 1000) == nil)
    }

    @Test func moneyIsShownWithSixDecimals() {
        #expect(VideoJobJSON.decimal(250_000) == "0.250000")
        #expect(VideoJobJSON.decimal(12_000_001) == "12.000001")
        #expect(VideoJobJSON.decimal(0) == "0.000000")
    }
}
