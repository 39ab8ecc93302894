/// Media types for Gemini's `inlineData` and `fileData` parts, which must name one
/// (https://ai.google.dev/api/caching#Blob, https://ai.google.dev/api/caching#FileData).
enum GeminiMediaType {
    /// Types by file extension. Gemini reads PNG, JPEG, WEBP, HEIC and HEIF images
    /// (https://ai.google.dev/gemini-api/docs/image-understanding); the others are passed on so that Gemini, not
    /// a wrong guess, says what it refuses.
    static let byExtension: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
        "heic": "image/heic", "heif": "image/heif", "gif": "image/gif",
        "pdf": "application/pdf", "wav": "audio/wav", "mp3": "audio/mp3", "mp4": "video/mp4",
    ]

    /// The type of a URL's or file name's extension (query and fragment ignored), or `fallback`.
    static func guess(fromURL url: String, default fallback: String = "image/jpeg") -> String {
        var path = Substring(url)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let name = path.split(separator: "/").last ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return fallback }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? fallback
    }

    /// The media type and base64 payload of a `data:<type>[;params];base64,<data>` URL; nil when it is not one.
    static func parseDataURL(_ url: String) -> (mimeType: String, data: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        let fields = header.split(separator: ";")
        guard fields.last == "base64" else { return nil }
        let mimeType = fields.count > 1 ? String(fields[0]) : "application/octet-stream"
        return (mimeType, String(url[url.index(after: comma)...]))
    }
}
