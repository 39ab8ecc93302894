/// Converts OpenAI `tools` and `tool_choice` into Gemini's `tools` and `toolConfig`
/// (https://ai.google.dev/api/caching#Tool, https://ai.google.dev/api/caching#ToolConfig,
/// https://ai.google.dev/gemini-api/docs/function-calling).
enum GeminiTools {
    /// One `FunctionDeclaration` (`name`, `description`, `parameters`) per OpenAI function tool; the caller wraps
    /// them in a single `{"functionDeclarations": [...]}` tool.
    ///
    /// `parameters` goes through ``GeminiSchema``; an object schema without properties (a function without
    /// parameters) is left out, since Gemini refuses an `OBJECT` with no properties. `strict` has no Gemini
    /// equivalent and is ignored.
    static func functionDeclarations(from tools: JSON?) throws(APIError) -> [JSON] {
        guard let tools, !tools.isNull else { return [] }
        guard let list = tools.arrayValue else {
            throw APIError.invalidField("tools", "must be an array of {\"type\": \"function\", \"function\": {...}}")
        }
        var declarations: [JSON] = []
        for (index, tool) in list.enumerated() {
            let field = "tools[\(index)]"
            guard tool["type"]?.stringValue == "function" else {
                throw APIError(
                    status: 400, type: "invalid_request_error", code: "unsupported_parameter",
                    message: "The tool `\(field)` is of type \((tool["type"]?.stringValue ?? "missing").jsonQuoted); Google Gemini models "
                        + "take only {\"type\": \"function\"} tools through this gateway. Describe the tool as a function, or remove it.",
                    param: "\(field).type")
            }
            guard let function = tool["function"], let name = function["name"]?.stringValue, !name.isEmpty else {
                throw APIError.invalidField("\(field).function.name", "is missing; every function tool needs a name")
            }
            var declaration: [String: JSON] = ["name": .string(name)]
            if let description = function["description"]?.stringValue {
                declaration["description"] = .string(description)
            }
            if let parameters = function["parameters"], !parameters.isNull {
                let converted = try GeminiSchema.convert(parameters, field: "\(field).function.parameters")
                if !GeminiSchema.isEmptyObject(converted) {
                    declaration["parameters"] = converted
                }
            }
            declarations.append(.object(declaration))
        }
        return declarations
    }

    /// `toolConfig.functionCallingConfig` for a `tool_choice`: `auto` → `AUTO`, `required` → `ANY`, `none` →
    /// `NONE`, a named function → `ANY` with `allowedFunctionNames`. Nil when the request leaves the choice to
    /// the default (`AUTO`).
    ///
    /// - Parameter declaredNames: The names of the request's function tools.
    static func toolConfig(from choice: JSON?, declaredNames: [String]) throws(APIError) -> JSON? {
        guard let choice, !choice.isNull else { return nil }
        let mode: String
        var allowedNames: [String]?
        switch choice.stringValue {
        case "auto"?: mode = "AUTO"
        case "none"?: mode = "NONE"
        case "required"?: mode = "ANY"
        case let other?:
            throw APIError.invalidField("tool_choice", "is \(other.jsonQuoted); use \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}")
        case nil:
            guard choice["type"]?.stringValue == "function", let name = choice["function"]?["name"]?.stringValue else {
                throw APIError.invalidField("tool_choice", "must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}")
            }
            guard declaredNames.contains(name) else {
                throw APIError.invalidField(
                    "tool_choice", "names the function \(name.jsonQuoted), which is not among `tools` (\(declaredNames.joined(separator: ", ")))")
            }
            mode = "ANY"
            allowedNames = [name]
        }
        if declaredNames.isEmpty {
            // Without tools, "auto" and "none" both mean plain text: nothing to configure.
            guard mode != "AUTO", mode != "NONE" else { return nil }
            throw APIError.invalidField("tool_choice", "asks for a tool call but the request has no `tools`; add the function tools")
        }
        var config: [String: JSON] = ["mode": .string(mode)]
        if let allowedNames {
            config["allowedFunctionNames"] = .array(allowedNames.map { .string($0) })
        }
        return ["functionCallingConfig": .object(config)]
    }
}
