extension HolySheepClient {
    /// Creates a chat completion (`POST /v1/chat/completions`).
    /// - Returns: the completion, with its ``ChatResponse/usage``.
    /// - Throws: ``HolySheepError``, for instance `401` for a key that is not an `hs_` key, `404` `model_not_found`.
    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        try await send(.post("/chat/completions", json: request, idempotent: false), decoding: ChatResponse.self)
    }

    /// Streams a chat completion: the request is sent (and retried) now; the answer arrives as the sequence is
    /// iterated. The last chunk carries the usage.
    /// - Throws: ``HolySheepError`` when the server refuses the request; errors during the stream come from the iteration.
    public func chatStream(_ request: ChatRequest) async throws -> ChatStream {
        var request = request
        request.stream = true
        request.streamOptions = .init(includeUsage: true)
        var call = try Call.post("/chat/completions", json: request, idempotent: false)
        call.headers.append(("Accept", "text/event-stream"))
        call.timeout = nil
        return ChatStream(response: try await send(call), apiKey: apiKey)
    }
}
