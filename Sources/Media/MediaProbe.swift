import Foundation

/// Reads a media file's streams and duration with `ffprobe -show_format -show_streams -of json`.
///
/// ```swift
/// let info = try await MediaProbe(ffprobe: .locate(.ffprobe)).info(for: clipURL)
/// print(info.duration, info.width, info.height)
/// ```
public struct MediaProbe: Sendable {
    public let ffprobe: FFmpegTool

    public init(ffprobe: FFmpegTool) { self.ffprobe = ffprobe }

    /// Probes one file.
    /// - Throws: ``MediaError/Kind/toolFailed`` when `ffprobe` cannot read the file;
    ///   ``MediaError/Kind/unreadableMedia`` when it has no video stream or no duration.
    public func info(for file: URL) async throws -> MediaInfo {
        let json = try await ffprobe.run(["-show_format", "-show_streams", "-of", "json", file.path])
        let report: Report
        do {
            report = try JSONDecoder().decode(Report.self, from: json)
        } catch {
            throw MediaError(.unreadableMedia, "ffprobe's report on \(file.path) could not be read: \(error).")
        }
        let audio = report.streams.first { $0.codec_type == "audio" }
        guard let video = report.streams.first(where: { $0.codec_type == "video" }),
            let codec = video.codec_name, let width = video.width, let height = video.height,
            let pixelFormat = video.pix_fmt
        else {
            throw MediaError(.unreadableMedia, "\(file.path) has no video stream. Give a video file (MP4, MOV, …).")
        }
        guard let duration = report.format.duration.flatMap(Double.init) else {
            throw MediaError(.unreadableMedia, "\(file.path) has no duration: it is a still image or a truncated file.")
        }
        return MediaInfo(
            duration: duration, width: width, height: height, videoCodec: codec, videoProfile: video.profile,
            videoLevel: video.level, pixelFormat: pixelFormat,
            frameRate: Self.rate(video.avg_frame_rate) ?? Self.rate(video.r_frame_rate) ?? 0,
            audioCodec: audio?.codec_name, audioSampleRate: audio?.sample_rate.flatMap { Int($0) },
            audioChannels: audio?.channels, fileSize: report.format.size.flatMap { Int64($0) } ?? 0)
    }

    /// `"24/1"` → 24, `"30000/1001"` → 29.97; `nil` for `"0/0"`.
    static func rate(_ fraction: String?) -> Double? {
        guard let parts = fraction?.split(separator: "/").compactMap({ Double($0) }), parts.count == 2, parts[1] != 0,
            parts[0] > 0
        else { return nil }
        return parts[0] / parts[1]
    }

    /// The part of ffprobe's JSON that is read; the field names are ffprobe's.
    private struct Report: Decodable {
        struct Stream: Decodable {
            var codec_type: String?
            var codec_name: String?
            var profile: String?
            var level: Int?
            var width: Int?
            var height: Int?
            var pix_fmt: String?
            var r_frame_rate: String?
            var avg_frame_rate: String?
            var sample_rate: String?
            var channels: Int?
        }

        struct Format: Decodable {
            var duration: String?
            var size: String?
        }

        var streams: [Stream]
        var format: Format
    }
}
