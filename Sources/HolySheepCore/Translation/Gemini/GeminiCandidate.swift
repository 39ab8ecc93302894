/// One Gemini `Candidate`, or a streamed fragment of one, read for what an OpenAI choice needs
/// (https://ai.google.dev/api/generate-content#candidate).
///
/// Text parts are joined; `thought: true` parts (thinking summaries) are dropped, as are parts OpenAI's chat
/// format has no place for (`inlineData` output, `executableCode`, `codeExecutionResult`).
struct GeminiCandidate: Sendable {
    /// The candidate's `index`; absent means 0, as in any proto3 JSON (Gemini omits default values).
    var index: Int
    /// The visible text; nil when the candidate has none.
    var text: String?
    var functionCalls: [GeminiFunctionCall]
    /// The `finishReason`, nil while a stream goes on.
    var finishReason: String?

    init(_ candidate: JSON) {
        index = candidate["index"]?.intValue ?? 0
        finishReason = candidate["finishReason"]?.stringValue
        var text: String?
        var calls: [GeminiFunctionCall] = []
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if part["thought"]?.boolValue == true { continue }
            if let piece = part["text"]?.stringValue {
                text = (text ?? "") + piece
            } else if let call = part["functionCall"], let name = call["name"]?.stringValue {
                let arguments = call["args"].flatMap { $0.objectValue != nil ? $0 : nil } ?? [:]
                calls.append(GeminiFunctionCall(name: name, arguments: arguments, thoughtSignature: part["thoughtSignature"]?.stringValue))
            }
        }
        self.text = text
        functionCalls = calls
    }

    /// The candidates of a `GenerateContentResponse`, in order of `index`.
    static func all(in response: JSON) -> [GeminiCandidate] {
        (response["candidates"]?.arrayValue ?? []).map(GeminiCandidate.init).sorted { $0.index < $1.index }
    }
}

/// A function call read from a Gemini `functionCall` part.
struct GeminiFunctionCall: Sendable, Equatable {
    var name: String
    /// The `args` object (`{}` when Gemini sent none).
    var arguments: JSON
    /// The part's `thoughtSignature` (Gemini 3 signs the first call of each step).
    var thoughtSignature: String?
}
