/// Converts OpenAI message `content` into Gemini `Part`s (https://ai.google.dev/api/caching#Part).
///
/// | OpenAI content part | Gemini part |
/// | --- | --- |
/// | `text` | `{"text"}` |
/// | `image_url` with a `data:` URL | `{"inlineData": {"mimeType", "data"}}` |
/// | `image_url` with an `http(s)` URL | `{"fileData": {"mimeType", "fileUri"}}`, the type guessed from the extension |
/// | `input_audio` | `{"inlineData": {"mimeType": "audio/<format>", "data"}}` |
/// | `file` with `file_data` | `{"inlineData"}`, the type from the data URL or the file name |
///
/// `image_url.detail` has no Gemini equivalent and is ignored. Empty text adds no part (Gemini refuses empty parts).
enum GeminiParts {
    /// Parts of a `user` message: a string, or an array of content parts.
    static func userParts(of content: JSON?, field: String) throws(APIError) -> [JSON] {
        guard let content, !content.isNull else { return [] }
        if let text = content.stringValue { return textPart(text) }
        guard let items = content.arrayValue else {
            throw APIError.invalidField(field, "must be a string or an array of content parts")
        }
        var parts: [JSON] = []
        for (index, item) in items.enumerated() {
            parts += try userPart(item, field: "\(field)[\(index)]")
        }
        return parts
    }

    /// Parts of a `system`, `developer` or `assistant` message: a string, or an array of `text` parts (and, for
    /// an assistant, `refusal` parts, kept as text so the model sees what it said).
    static func textParts(of content: JSON?, field: String, allowsRefusal: Bool = false) throws(APIError) -> [JSON] {
        guard let content, !content.isNull else { return [] }
        if let text = content.stringValue { return textPart(text) }
        guard let items = content.arrayValue else {
            throw APIError.invalidField(field, "must be a string or an array of text parts")
        }
        var parts: [JSON] = []
        for (index, item) in items.enumerated() {
            let type = item["type"]?.stringValue
            if type == "text", let text = item["text"]?.stringValue {
                parts += textPart(text)
            } else if allowsRefusal, type == "refusal", let text = item["refusal"]?.stringValue {
                parts += textPart(text)
            } else {
                throw APIError.invalidField(
                    "\(field)[\(index)]", "must be {\"type\": \"text\", \"text\": ...}; this message role takes text only")
            }
        }
        return parts
    }

    /// The text of a `tool` message: a string, or `text` parts joined.
    static func text(of content: JSON?, field: String) throws(APIError) -> String {
        guard let content, !content.isNull else { return "" }
        if let text = content.stringValue { return text }
        let parts = try textParts(of: content, field: field)
        return parts.compactMap { $0["text"]?.stringValue }.joined()
    }

    private static func textPart(_ text: String) -> [JSON] {
        text.isEmpty ? [] : [["text": .string(text)]]
    }

    private static func userPart(_ item: JSON, field: String) throws(APIError) -> [JSON] {
        switch item["type"]?.stringValue {
        case "text"?:
            guard let text = item["text"]?.stringValue else {
                throw APIError.invalidField("\(field).text", "is missing; a text part is {\"type\": \"text\", \"text\": ...}")
            }
            return textPart(text)
        case "image_url"?:
            // `image_url` is an object `{url, detail}`; a bare string is accepted too.
            guard let url = item["image_url"]?["url"]?.stringValue ?? item["image_url"]?.stringValue else {
                throw APIError.invalidField(
                    "\(field).image_url.url", "is missing; send {\"type\": \"image_url\", \"image_url\": {\"url\": \"https://…\" or \"data:image/png;base64,…\"}}")
            }
            return [try imagePart(url: url, field: "\(field).image_url.url")]
        case "input_audio"?:
            guard let data = item["input_audio"]?["data"]?.stringValue, let format = item["input_audio"]?["format"]?.stringValue else {
                throw APIError.invalidField(
                    "\(field).input_audio", "needs `data` (base64) and `format` (\"wav\" or \"mp3\")")
            }
            return [inlineData(mimeType: "audio/\(format)", data: data)]
        case "file"?:
            return [try filePart(item["file"], field: "\(field).file")]
        case let type:
            throw APIError.invalidField(
                "\(field).type", "is \((type ?? "missing").jsonQuoted); Gemini takes text, image_url, input_audio and file parts")
        }
    }

    private static func imagePart(url: String, field: String) throws(APIError) -> JSON {
        if url.hasPrefix("data:") {
            guard let (mimeType, data) = GeminiMediaType.parseDataURL(url) else {
                throw APIError.invalidField(field, "is a data URL that is not base64; send data:<type>;base64,<data>")
            }
            return inlineData(mimeType: mimeType, data: data)
        }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else {
            throw APIError.invalidField(field, "must be an http(s) URL or a data:image/…;base64,… URL")
        }
        return ["fileData": ["mimeType": .string(GeminiMediaType.guess(fromURL: url)), "fileUri": .string(url)]]
    }

    private static func filePart(_ file: JSON?, field: String) throws(APIError) -> JSON {
        guard let data = file?["file_data"]?.stringValue else {
            if file?["file_id"] != nil {
                throw APIError.invalidField(
                    "\(field).file_id", "refers to an OpenAI file, which Gemini cannot read; send the file inline as `file_data`")
            }
            throw APIError.invalidField("\(field).file_data", "is missing; send the file as base64 (or a data URL) in `file_data`")
        }
        if let (mimeType, base64) = GeminiMediaType.parseDataURL(data) {
            return inlineData(mimeType: mimeType, data: base64)
        }
        let mimeType = file?["filename"]?.stringValue.map { GeminiMediaType.guess(fromURL: $0, default: "application/pdf") }
        return inlineData(mimeType: mimeType ?? "application/pdf", data: data)
    }

    private static func inlineData(mimeType: String, data: String) -> JSON {
        ["inlineData": ["mimeType": .string(mimeType), "data": .string(data)]]
    }
}
