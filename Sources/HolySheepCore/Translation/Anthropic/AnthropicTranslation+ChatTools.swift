/// Outbound request: OpenAI `tools`, `tool_choice`, `parallel_tool_calls` and `response_format`.
extension AnthropicTranslation {
    struct Tooling {
        var tools: [JSON] = []
        var choice: JSON?
    }

    static func anthropicTooling(_ chat: JSON, model: String) throws(APIError) -> Tooling {
        var tools = try anthropicTools(chat["tools"], model: model)
        let names = Set(tools.compactMap { $0["name"]?.stringValue })
        var choice = try anthropicToolChoice(chat["tool_choice"], toolNames: names)

        if let jsonTool = try jsonResponseTool(chat["response_format"], model: model) {
            if choice?["type"] == "none" {
                // The client's tools are off for this turn; only the answer tool remains.
                tools = []
                choice = nil
            }
            tools.append(jsonTool)
            if tools.count == 1 {
                choice = ["type": "tool", "name": .string(jsonResponseToolName)]
            } else if choice == nil || choice?["type"] == "auto" {
                // Either call one of the client's tools or answer through `json_response`: never free text.
                choice = ["type": "any"]
            }
        }
        if chat["parallel_tool_calls"]?.boolValue == false, !tools.isEmpty {
            var object = choice?.objectValue ?? ["type": "auto"]
            if object["type"] != "none" {
                object["disable_parallel_tool_use"] = true
                choice = .object(object)
            }
        }
        return Tooling(tools: tools, choice: choice)
    }

    /// OpenAI function tools as Anthropic tools: `{name, description, input_schema}`.
    static func anthropicTools(_ tools: JSON?, model: String) throws(APIError) -> [JSON] {
        guard let tools, tools != .null else { return [] }
        guard let list = tools.arrayValue else {
            throw invalid("tools", #"must be an array of {"type": "function", "function": {"name": …, "parameters": …}}"#)
        }
        var result: [JSON] = []
        for (index, tool) in list.enumerated() {
            let field = "tools[\(index)]"
            let type = tool["type"]?.stringValue ?? "function"
            guard type == "function" else {
                throw unsupported(
                    "\(field).type", model: model,
                    advice: "Only `function` tools can be sent to Anthropic (this one is \(type.jsonQuoted)): describe it "
                        + "as a function with a JSON Schema for its parameters.")
            }
            guard let function = tool["function"], let name = function["name"]?.stringValue, !name.isEmpty else {
                throw invalid("\(field).function.name", "is missing; every function tool needs a name")
            }
            guard name != jsonResponseToolName else {
                throw invalid(
                    "\(field).function.name",
                    "is `\(jsonResponseToolName)`, a name this gateway reserves for `response_format` on Anthropic "
                        + "models; rename the tool")
            }
            var converted: [String: JSON] = ["name": .string(name)]
            if let description = function["description"]?.stringValue, !description.isEmpty {
                converted["description"] = .string(description)
            }
            switch function["parameters"] {
            case nil, .null?:
                converted["input_schema"] = ["type": "object", "properties": [:]]
            case .object(let schema)?:
                converted["input_schema"] = .object(schema)
            default:
                throw invalid("\(field).function.parameters", "must be a JSON Schema object, for example {\"type\": \"object\", \"properties\": {}}")
            }
            result.append(.object(converted))
        }
        return result
    }

    /// `auto` → `{"type":"auto"}`, `required` → `{"type":"any"}`, `none` → `{"type":"none"}`, a named function →
    /// `{"type":"tool","name":…}`. Without tools, `auto` and `none` mean nothing and are dropped.
    static func anthropicToolChoice(_ choice: JSON?, toolNames: Set<String>) throws(APIError) -> JSON? {
        let converted: JSON
        switch choice {
        case nil, .null?:
            return nil
        case "auto"?:
            converted = ["type": "auto"]
        case "none"?:
            converted = ["type": "none"]
        case "required"?:
            converted = ["type": "any"]
        case .object(let object)?:
            guard object["type"]?.stringValue ?? "function" == "function",
                let name = object["function"]?["name"]?.stringValue
            else {
                throw invalid("tool_choice", #"must be "auto", "none", "required" or {"type": "function", "function": {"name": …}}"#)
            }
            guard toolNames.contains(name) else {
                throw invalid("tool_choice.function.name", "names \(name.jsonQuoted), which is not one of the request's `tools`")
            }
            converted = ["type": "tool", "name": .string(name)]
        default:
            throw invalid("tool_choice", #"must be "auto", "none", "required" or {"type": "function", "function": {"name": …}}"#)
        }
        if toolNames.isEmpty {
            guard converted["type"] == "auto" || converted["type"] == "none" else {
                throw invalid("tool_choice", "asks for a tool call but the request has no `tools`; add the tools or remove `tool_choice`")
            }
            return nil
        }
        return converted
    }

    /// `response_format` as the `json_response` tool, or nil for plain text.
    ///
    /// Why a tool: Anthropic's documented way to get JSON that conforms to a schema from any tool-capable Claude model is
    /// a single tool whose `input_schema` is that schema, forced with `tool_choice: {"type": "tool", "name": …}`
    /// (https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use, "JSON mode"). The tool's
    /// `input` is then the JSON answer, and the response translation turns it back into the assistant's `content`
    /// with `finish_reason: "stop"`. Anthropic's newer `output_config.format` structured outputs only exist on some
    /// models, so the forced tool is the one mechanism that works for every Claude deployment.
    /// `json_object` has no schema: its tool takes any object (`{"type": "object"}`).
    static func jsonResponseTool(_ format: JSON?, model: String) throws(APIError) -> JSON? {
        guard let format, format != .null else { return nil }
        switch format["type"]?.stringValue {
        case "text"?:
            return nil
        case "json_object"?:
            return [
                "name": .string(jsonResponseToolName),
                "description": "Give your whole answer as a JSON object, as this tool's input.",
                "input_schema": ["type": "object"],
            ]
        case "json_schema"?:
            let spec = format["json_schema"]
            var schema: JSON = ["type": "object"]
            if let given = spec?["schema"], given != .null {
                guard given.objectValue != nil else {
                    throw invalid("response_format.json_schema.schema", "must be a JSON Schema object")
                }
                if let type = given["type"]?.stringValue, type != "object" {
                    throw unsupportedValue(
                        "response_format.json_schema.schema", model: model,
                        problem: "must describe a JSON object (Anthropic returns structured answers as an object) and this "
                            + "schema's type is \(type.jsonQuoted)",
                        advice: "Wrap it in an object, for example {\"type\": \"object\", \"properties\": {\"items\": <your schema>}}.")
                }
                schema = given
            }
            let name = spec?["name"]?.stringValue ?? "response"
            let description = spec?["description"]?.stringValue
                ?? "Give your whole answer as this tool's input: JSON that matches the schema \(name.jsonQuoted)."
            return ["name": .string(jsonResponseToolName), "description": .string(description), "input_schema": schema]
        case let type:
            throw invalid("response_format.type", "is \((type ?? "missing").jsonQuoted); use \"text\", \"json_object\" or \"json_schema\"")
        }
    }
}
