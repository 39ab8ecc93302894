/// What the gateway needs from a Chat Completions request body, found without decoding it, and the means to
/// rewrite only what must change before it goes upstream.
///
/// The body is validated as JSON (a malformed one is refused with its line and column) and the required fields
/// are checked; every other byte is relayed untouched.
public struct ChatRequestInspection: Sendable {
    /// The public model name the client asked for.
    public let model: String
    public let stream: Bool
    /// Whether the client asked for the final usage chunk (`stream_options.include_usage: true`).
    public let includeUsage: Bool
    /// `max_completion_tokens`, else `max_tokens`, when given.
    public let maxTokens: Int?

    private let modelValue: JSONValue
    private let streamOptionsValue: JSONValue?
    private let rootEnd: Int

    /// Inspects a request body.
    /// - Throws: ``APIError`` for malformed JSON, a missing or mistyped `model` or `messages`.
    public init(body bytes: UnsafeRawBufferPointer) throws(APIError) {
        let members: [JSONMember]
        do {
            members = try JSONScanner.objectMembers(in: bytes)
        } catch {
            throw APIError.invalidJSON(error)
        }
        let example = #"{"model": "deepseek-v3.2", "messages": [{"role": "user", "content": "Hello"}]}"#
        guard let model = members[member: "model"] else { throw APIError.missingField("model", example: example) }
        guard let modelName = model.string(in: bytes), !modelName.isEmpty else {
            throw APIError.invalidField("model", "must be a non-empty string naming a model, such as \"deepseek-v3.2\"")
        }
        guard let messages = members[member: "messages"] else { throw APIError.missingField("messages", example: example) }
        guard messages.kind == .array else {
            throw APIError.invalidField("messages", "must be an array of message objects, such as [{\"role\": \"user\", \"content\": \"Hello\"}]")
        }
        var stream = false
        if let value = members[member: "stream"], value.kind != .null {
            guard let flag = value.bool else { throw APIError.invalidField("stream", "must be true or false") }
            stream = flag
        }
        var includeUsage = false
        let streamOptions = members[member: "stream_options"]
        if let streamOptions, streamOptions.kind != .null {
            guard streamOptions.kind == .object else {
                throw APIError.invalidField("stream_options", "must be an object such as {\"include_usage\": true}")
            }
            includeUsage = JSONScanner.objectMembers(of: streamOptions, in: bytes)[member: "include_usage"]?.bool ?? false
        }
        var maxTokens: Int?
        for name in ["max_completion_tokens", "max_tokens"] {
            guard let value = members[member: name], value.kind != .null else { continue }
            guard let tokens = value.integer(in: bytes), tokens > 0 else {
                throw APIError.invalidField(name, "must be a positive whole number of tokens")
            }
            maxTokens = maxTokens ?? tokens
        }
        self.model = modelName
        self.stream = stream
        self.includeUsage = includeUsage
        self.maxTokens = maxTokens
        self.modelValue = model
        self.streamOptionsValue = streamOptions
        self.rootEnd = bytes.count
    }

    /// Whether the upstream body must ask for usage the client did not ask for (the gateway meters every stream).
    public var injectsUsage: Bool { stream && !includeUsage }

    /// The body to send upstream: the client's bytes with `model` set to `upstreamModel` and, for a stream whose
    /// client did not ask for usage, `stream_options.include_usage` set to true. Nothing else changes.
    public func upstreamBody(from bytes: UnsafeRawBufferPointer, upstreamModel: String) -> [UInt8] {
        var edits: [(range: Range<Int>, replacement: [UInt8])] = [(modelValue.range, Array(upstreamModel.jsonQuoted.utf8))]
        if injectsUsage {
            if let options = streamOptionsValue, options.kind == .object {
                let others = JSONScanner.objectMembersWithNames(of: options, in: bytes).filter { $0.member.name != "include_usage" }
                var replacement: [UInt8] = [UInt8(ascii: "{")]
                for other in others {
                    replacement.append(contentsOf: bytes[other.nameStart..<other.member.value.end])
                    replacement.append(UInt8(ascii: ","))
                }
                replacement.append(contentsOf: #""include_usage":true}"#.utf8)
                edits.append((options.range, replacement))
            } else if let options = streamOptionsValue {  // null
                edits.append((options.range, Array(#"{"include_usage":true}"#.utf8)))
            } else {
                // Before the root object's closing brace (the last non-whitespace byte).
                var close = rootEnd - 1
                while close > 0, bytes[close] != UInt8(ascii: "}") { close -= 1 }
                edits.append((close..<close, Array(#","stream_options":{"include_usage":true}"#.utf8)))
            }
        }
        edits.sort { $0.range.lowerBound < $1.range.lowerBound }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 64)
        var position = 0
        for edit in edits {
            result.append(contentsOf: bytes[position..<edit.range.lowerBound])
            result.append(contentsOf: edit.replacement)
            position = edit.range.upperBound
        }
        result.append(contentsOf: bytes[position..<bytes.count])
        return result
    }
}
