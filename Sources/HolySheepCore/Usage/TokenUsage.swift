/// Tokens counted for one chat call, read from the upstream's `usage` object (OpenAI's names).
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Input tokens served from the provider's prompt cache (`prompt_tokens_details.cached_tokens`).
    public var cachedTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }

    /// Reads the `usage` member of a `chat.completion` (or a usage chunk). Nil when absent or null.
    public static func fromOpenAI(_ bytes: UnsafeRawBufferPointer) -> TokenUsage? {
        guard let members = try? JSONScanner.objectMembers(in: bytes) else { return nil }
        return fromOpenAI(members: members, bytes)
    }

    public static func fromOpenAI(members: [JSONMember], _ bytes: UnsafeRawBufferPointer) -> TokenUsage? {
        guard let usageValue = members[member: "usage"], usageValue.kind == .object else { return nil }
        let usage = JSONScanner.objectMembers(of: usageValue, in: bytes)
        var result = TokenUsage(
            promptTokens: usage[member: "prompt_tokens"]?.integer(in: bytes) ?? 0,
            completionTokens: usage[member: "completion_tokens"]?.integer(in: bytes) ?? 0)
        if let details = usage[member: "prompt_tokens_details"], details.kind == .object {
            result.cachedTokens = JSONScanner.objectMembers(of: details, in: bytes)[member: "cached_tokens"]?.integer(in: bytes) ?? 0
        }
        return result
    }
}
