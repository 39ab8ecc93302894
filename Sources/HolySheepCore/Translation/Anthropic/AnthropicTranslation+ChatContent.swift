/// Outbound request: OpenAI content parts become Anthropic content blocks.
extension AnthropicTranslation {
    /// The image types Anthropic reads (https://platform.claude.com/docs/en/build-with-claude/vision).
    static let imageMediaTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    /// A user or assistant message's content as blocks: `text` parts, `image_url` parts (data: URLs as base64
    /// sources, http(s) URLs as url sources), and PDF `file` parts as `document` blocks. Empty text is left out:
    /// Anthropic refuses empty text blocks.
    static func contentBlocks(_ content: JSON?, field: String, model: String) throws(APIError) -> [JSON] {
        switch content {
        case nil, .null?:
            return []
        case .string(let text)?:
            return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        case .array(let parts)?:
            var blocks: [JSON] = []
            for (index, part) in parts.enumerated() {
                if let block = try contentBlock(part, field: "\(field)[\(index)]", model: model) { blocks.append(block) }
            }
            return blocks
        default:
            throw invalid(field, "must be a string or an array of content parts")
        }
    }

    static func contentBlock(_ part: JSON, field: String, model: String) throws(APIError) -> JSON? {
        switch part["type"]?.stringValue {
        case "text"?, "refusal"?:
            let text = part["text"]?.stringValue ?? part["refusal"]?.stringValue ?? ""
            return text.isEmpty ? nil : ["type": "text", "text": .string(text)]
        case "image_url"?:
            return try imageBlock(part, field: field)
        case "file"?:
            return try documentBlock(part, field: field, model: model)
        case "input_audio"?:
            throw unsupported(
                "\(field).input_audio", model: model,
                advice: "Anthropic models do not take audio input: transcribe the audio and send the text, or choose a "
                    + "model with audio input.")
        case let type?:
            throw invalid("\(field).type", "is \(type.jsonQuoted); use `text` or `image_url` (or `file` for a PDF)")
        case nil:
            throw invalid("\(field).type", "is missing; each content part needs a type such as `text` or `image_url`")
        }
    }

    static func imageBlock(_ part: JSON, field: String) throws(APIError) -> JSON {
        let urlField = "\(field).image_url.url"
        guard let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue else {
            throw invalid(urlField, #"is missing; send {"url": "https://…"} or a data: URL such as "data:image/png;base64,…""#)
        }
        if url.hasPrefix("data:") {
            let (mediaType, data) = try dataURL(url, field: urlField)
            guard imageMediaTypes.contains(mediaType) else {
                throw invalid(urlField, "holds an image of type \(mediaType), which Anthropic cannot read; send JPEG, PNG, GIF or WebP")
            }
            return ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]]
        }
        let lowercased = url.lowercased()
        guard lowercased.hasPrefix("https://") || lowercased.hasPrefix("http://") else {
            throw invalid(urlField, "must be an http(s) URL or a base64 data: URL such as \"data:image/png;base64,…\"")
        }
        return ["type": "image", "source": ["type": "url", "url": .string(url)]]
    }

    /// A PDF sent as an OpenAI `file` part (`file_data` is a base64 data: URL) as a `document` block.
    static func documentBlock(_ part: JSON, field: String, model: String) throws(APIError) -> JSON {
        if let fileID = part["file"]?["file_id"], fileID != .null {
            throw unsupported(
                "\(field).file.file_id", model: model,
                advice: "Files uploaded to OpenAI cannot be read by Anthropic: send the PDF inline as `file_data` "
                    + "(\"data:application/pdf;base64,…\").")
        }
        let dataField = "\(field).file.file_data"
        guard let url = part["file"]?["file_data"]?.stringValue else {
            throw invalid(dataField, "is missing; send the PDF as \"data:application/pdf;base64,…\"")
        }
        let (mediaType, data) = try dataURL(url, field: dataField)
        guard mediaType == "application/pdf" else {
            throw invalid(dataField, "holds a file of type \(mediaType); Anthropic reads PDF documents (application/pdf) only")
        }
        return ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": .string(data)]]
    }

    /// Splits `data:<media type>[;params];base64,<data>` (RFC 2397) into its lowercased media type and payload.
    static func dataURL(_ url: String, field: String) throws(APIError) -> (mediaType: String, data: String) {
        guard let comma = url.firstIndex(of: ",") else {
            throw invalid(field, "is a data: URL without data; expected \"data:<type>;base64,<data>\"")
        }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma].split(separator: ";")
        let mediaType = header.first.map { String($0).lowercased() } ?? ""
        guard header.dropFirst().contains(where: { $0.lowercased() == "base64" }), !mediaType.isEmpty else {
            throw invalid(field, "must be a base64 data: URL with a media type, such as \"data:image/png;base64,…\"")
        }
        return (mediaType, String(url[url.index(after: comma)...]))
    }
}
