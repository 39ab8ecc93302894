import Foundation
import Testing

@testable import Media

/// Real ffmpeg tools and small helpers that look inside the files they write.
enum MediaFixtures {
    static func ffmpeg() throws -> FFmpegTool { try FFmpegTool.locate(.ffmpeg) }
    static func probe() throws -> MediaProbe { MediaProbe(ffprobe: try FFmpegTool.locate(.ffprobe)) }
    static func renderer() throws -> PrevizRenderer { PrevizRenderer(ffmpeg: try ffmpeg()) }
    static func assembler() throws -> EpisodeAssembler {
        EpisodeAssembler(ffmpeg: try ffmpeg(), ffprobe: try FFmpegTool.locate(.ffprobe))
    }

    /// Runs `body` with a fresh folder, removed afterwards.
    static func withFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("media-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    /// A short 720p shot.
    static func shot(
        _ text: String = "Lin Yue waits on the rooftop.", seconds: Int = 1, tone: String? = nil,
        format: VideoFormat = VideoFormat(resolution: .p720)
    ) -> PrevizShot {
        PrevizShot(
            text: text, cameraNote: "slow pan", emotionTone: tone, durationSeconds: seconds, format: format, seed: 7)
    }

    /// The RGB bytes of a region of the frame shown at `time` seconds, row by row.
    static func pixels(
        of video: URL, at time: Double = 0, x: Int, y: Int, width: Int = 1, height: Int = 1
    ) async throws -> [UInt8] {
        let raw = try await ffmpeg().run([
            "-ss", "\(time)", "-i", video.path, "-frames:v", "1",
            "-vf", "crop=\(width):\(height):\(x):\(y),format=rgb24", "-f", "rawvideo", "pipe:1",
        ])
        return [UInt8](raw)
    }

    /// How many pixels of a region are near white.
    static func brightPixels(
        of video: URL, at time: Double, x: Int, y: Int, width: Int, height: Int
    ) async throws -> Int {
        let rgb = try await pixels(of: video, at: time, x: x, y: y, width: width, height: height)
        return stride(from: 0, to: rgb.count - 2, by: 3).count { rgb[$0...$0 + 2].allSatisfy { $0 > 200 } }
    }

    /// The types of an MP4 file's top-level boxes, in file order.
    static func topLevelBoxes(of file: URL) throws -> [String] {
        let bytes = [UInt8](try Data(contentsOf: file))
        var boxes: [String] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            func integer(at start: Int, count: Int) -> Int {
                bytes[start..<start + count].reduce(0) { $0 << 8 | Int($1) }
            }
            var size = integer(at: offset, count: 4)
            if size == 1 { size = integer(at: offset + 8, count: 8) } else if size == 0 { size = bytes.count - offset }
            boxes.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    /// A PNG's width and height from its header, or `nil` when the file is not a PNG.
    static func pngSize(of file: URL) throws -> (width: Int, height: Int)? {
        let bytes = [UInt8](try Data(contentsOf: file).prefix(24))
        guard bytes.count == 24, bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func integer(at start: Int) -> Int { bytes[start..<start + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (integer(at: 16), integer(at: 20))
    }

    /// The files in a folder, hidden ones included.
    static func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// Whether any running process has `fragment` in its command line (Linux `/proc`).
    static func processRunning(withArgumentContaining fragment: String) -> Bool {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.contains { pid in
            guard let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: line, as: UTF8.self).contains(fragment)
        }
    }
}
