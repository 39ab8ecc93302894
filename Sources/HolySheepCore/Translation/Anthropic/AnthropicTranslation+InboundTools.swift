/// Inbound request: Anthropic `tools` and `tool_choice` become OpenAI's.
extension AnthropicTranslation {
    /// Custom tools (`{name, description, input_schema}`) as OpenAI function tools. Anthropic's server tools
    /// (web search, bash, …: they have a versioned `type`) run at Anthropic and cannot be passed to other upstreams.
    static func inboundTools(_ tools: JSON?) throws(APIError) -> [JSON] {
        guard let tools, tools != .null else { return [] }
        guard let list = tools.arrayValue else { throw invalid("tools", "must be an array of tools") }
        var result: [JSON] = []
        for (index, tool) in list.enumerated() {
            let field = "tools[\(index)]"
            if let type = tool["type"]?.stringValue, type != "custom" {
                throw unsupportedInbound("\(field).type", advice: "\(type.jsonQuoted) is an Anthropic server tool, which this gateway cannot run: remove it, or define your own tool with `name`, `description` and `input_schema`.")
            }
            guard let name = tool["name"]?.stringValue, !name.isEmpty else {
                throw invalid("\(field).name", "is missing; every tool needs a name")
            }
            var function: [String: JSON] = ["name": .string(name), "parameters": tool["input_schema"] ?? ["type": "object", "properties": [:]]]
            if let description = tool["description"]?.stringValue, !description.isEmpty { function["description"] = .string(description) }
            result.append(["type": "function", "function": .object(function)])
        }
        return result
    }

    /// `auto` → `"auto"`, `any` → `"required"`, `none` → `"none"`, `tool` → the named function; and whether
    /// `disable_parallel_tool_use` asked for one call at a time (→ `parallel_tool_calls: false`).
    static func inboundToolChoice(_ choice: JSON) throws(APIError) -> (choice: JSON?, parallel: Bool?) {
        let parallel = choice["disable_parallel_tool_use"]?.boolValue.map { !$0 }
        switch choice["type"]?.stringValue {
        case "auto"?: return ("auto", parallel)
        case "any"?: return ("required", parallel)
        case "none"?: return ("none", nil)
        case "tool"?:
            guard let name = choice["name"]?.stringValue else { throw invalid("tool_choice.name", "is missing; name the tool to call") }
            return (["type": "function", "function": ["name": .string(name)]], parallel)
        default:
            throw invalid("tool_choice.type", #"must be "auto", "any", "tool" or "none""#)
        }
    }
}
