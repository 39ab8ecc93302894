import Foundation
import HolySheepCore
import Media

/// Validates video submits (SPEC §1) into a ``VideoJobSpec``; every error is a 400 naming the field and what to send.
enum VideoRequestParser {
    static let durations = 5...30
    static let resolutions = VideoFormat.Resolution.allCases.map(\.rawValue)
    static let aspectRatios = VideoFormat.AspectRatio.allCases.map(\.rawValue)

    /// A field's value as a non-empty string, nil when absent or null.
    static func string(_ body: [String: Any], _ field: String, example: String) throws(APIError) -> String? {
        guard let value = body[field], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw APIError.invalidField(field, "must be a string, for example \(example)")
        }
        return text
    }

    /// An integral JSON number (not a boolean, not a fraction), or a string of digits when `allowString`.
    static func integer(_ value: Any, allowString: Bool = false) -> Int? {
        if allowString, let text = value as? String { return Int(text.trimmingCharacters(in: .whitespaces)) }
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    /// Parses `POST /v1/video/generate`'s body (the model is checked by the caller).
    static func guideSpec(_ body: [String: Any]) throws(APIError) -> VideoJobSpec {
        guard let prompt = try string(body, "prompt", example: #""Rain on a neon street, she turns to the camera""#),
            !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw APIError.missingField("prompt", example: #""prompt": "Rain on a neon street, she turns to the camera""#)
        }
        var duration = 5
        if let value = body["duration"], !(value is NSNull) {
            guard let seconds = integer(value), durations.contains(seconds) else {
                throw APIError.invalidField("duration", "must be a whole number of seconds from 5 to 30, for example \"duration\": 5; got \(value)")
            }
            duration = seconds
        }
        let resolution = try string(body, "resolution", example: #""1080p""#) ?? "1080p"
        guard resolutions.contains(resolution) else {
            throw APIError.invalidField("resolution", "must be one of \(resolutions.joined(separator: ", ")); got \(resolution)")
        }
        let aspectRatio = try string(body, "aspect_ratio", example: #""9:16""#) ?? "9:16"
        guard aspectRatios.contains(aspectRatio) else {
            throw APIError.invalidField("aspect_ratio", "must be one of \(aspectRatios.joined(separator: ", ")) (default 9:16); got \(aspectRatio)")
        }
        var seed: Int?
        if let value = body["seed"], !(value is NSNull) {
            guard let number = integer(value) else { throw APIError.invalidField("seed", "must be a whole number, for example \"seed\": 42") }
            seed = number
        }
        let imageURL = try string(body, "image_url", example: #""https://example.com/frame.png""#)
        if let imageURL {
            guard let url = URL(string: imageURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw APIError.invalidField("image_url", "must be an http(s) URL of the reference frame; got \(imageURL)")
            }
        }
        return VideoJobSpec(
            prompt: prompt, duration: duration, resolution: resolution, aspectRatio: aspectRatio,
            style: try string(body, "style", example: #""neo-noir""#), emotionTone: try string(body, "emotion_tone", example: #""tense""#),
            imageURL: imageURL, seed: seed)
    }

    /// Parses OpenAI's `POST /v1/videos` fields: `prompt`, `seconds` ("4", "8", "12" or any 5–30; below 5 becomes 5,
    /// the shortest clip this platform makes), `size` (`WIDTHxHEIGHT`, default `720x1280`): the short side picks the
    /// resolution (≤720 → 720p, ≤1080 → 1080p, else 4k) and the ratio the nearest aspect ratio.
    static func openAISpec(_ body: [String: Any]) throws(APIError) -> VideoJobSpec {
        guard let prompt = try string(body, "prompt", example: #""A cat playing piano""#),
            !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw APIError.missingField("prompt", example: #""prompt": "A cat playing piano""#)
        }
        var duration = 5
        if let value = body["seconds"], !(value is NSNull) {
            guard let seconds = integer(value, allowString: true), seconds >= 1, seconds <= durations.upperBound else {
                throw APIError.invalidField("seconds", "must be a whole number of seconds up to 30, such as \"8\"; got \(value)")
            }
            duration = max(durations.lowerBound, seconds)
        }
        let size = try string(body, "size", example: #""720x1280""#) ?? "720x1280"
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
            throw APIError.invalidField("size", "must be WIDTHxHEIGHT such as 720x1280 or 1280x720; got \(size)")
        }
        let short = min(parts[0], parts[1])
        let resolution = short <= 720 ? "720p" : short <= 1080 ? "1080p" : "4k"
        let ratio = Double(parts[0]) / Double(parts[1])
        let aspect = VideoFormat.AspectRatio.allCases.min {
            abs(log(Double($0.terms.width) / Double($0.terms.height) / ratio)) < abs(log(Double($1.terms.width) / Double($1.terms.height) / ratio))
        }!
        return VideoJobSpec(prompt: prompt, duration: duration, resolution: resolution, aspectRatio: aspect.rawValue)
    }

    /// The text fields of a `multipart/form-data` body (files are ignored).
    static func multipartFields(_ body: [UInt8], contentType: String) -> [String: Any]? {
        guard let boundaryRange = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let text = String(decoding: body, as: UTF8.self)
        var fields: [String: Any] = [:]
        for part in text.components(separatedBy: "--" + boundary) {
            guard let headerEnd = part.range(of: "\r\n\r\n") else { continue }
            let headers = part[..<headerEnd.lowerBound]
            guard let nameRange = headers.range(of: "name=\""), !headers.contains("filename=") else { continue }
            let name = headers[nameRange.upperBound...].prefix { $0 != "\"" }
            var value = String(part[headerEnd.upperBound...])
            if value.hasSuffix("\r\n") { value.removeLast() }  // CRLF is one Character
            fields[String(name)] = value
        }
        return fields
    }
}
