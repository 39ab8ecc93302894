import HolySheepKit

/// The one chat call the storyboard needs: messages in, the answer's text out. A seam so that the breakdown's
/// repair path can be tested with a scripted model; ``HolySheepChatModel`` is the real one.
public protocol ChatModel: Sendable {
    /// The model's name, for reports.
    var name: String { get }
    /// Sends the conversation and returns the first choice's text.
    func complete(_ messages: [ChatMessage], responseFormat: ResponseFormat?) async throws -> String
}

/// A chat model served by the HolySheep platform (`POST /v1/chat/completions`).
public struct HolySheepChatModel: ChatModel {
    public let client: HolySheepClient
    public let name: String
    public var temperature: Double?

    public init(client: HolySheepClient, model: String, temperature: Double? = 0.4) {
        self.client = client
        self.name = model
        self.temperature = temperature
    }

    public func complete(_ messages: [ChatMessage], responseFormat: ResponseFormat?) async throws -> String {
        let request = ChatRequest(model: name, messages: messages, temperature: temperature, responseFormat: responseFormat)
        return try await client.chat(request).text ?? ""
    }
}
