/// Converts a JSON Schema (as OpenAI `tools[].function.parameters` and `response_format.json_schema.schema` carry
/// it) into Gemini's `Schema`, "a select subset of an OpenAPI 3.0 schema object"
/// (https://ai.google.dev/api/caching#Schema).
///
/// Gemini answers 400 ("Unknown name …") for a keyword outside that subset, so the conversion keeps only
/// ``keptKeywords`` and rewrites the rest where it has a meaning Gemini can express:
///
/// - `type` is upper-cased (`"object"` → `"OBJECT"`); a `"null"` type (alone, in a type array, or as an `anyOf` /
///   `oneOf` member) becomes `nullable: true`; several non-null types become `anyOf`.
/// - `$ref` to `#/$defs/…` or `#/definitions/…` is inlined; `allOf` members are merged; `oneOf` becomes `anyOf`.
/// - `const` becomes a one-value `enum`; enums of non-strings (Gemini's `enum` is strings only) and `format`s Gemini
///   does not know for the type are moved into `description`, so the model still reads them.
/// - `required` keeps only names listed in `properties` (Gemini refuses others).
/// - Dropped: `$schema`, `$id`, `$defs`, `definitions`, `$comment`, `title` (refused by some Gemini API versions),
///   `additionalProperties`, `patternProperties`, `unevaluatedProperties`, `propertyNames`, `dependentRequired`,
///   `dependentSchemas`, `if` / `then` / `else`, `not`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`,
///   `uniqueItems`, `contains`, `prefixItems`, `examples`, `readOnly`, `writeOnly`, `deprecated`, `strict`,
///   `discriminator`, and anything else not in ``keptKeywords``.
enum GeminiSchema {
    /// Keywords passed through as they are (besides `type`, `format`, `enum`, `description`, `properties`,
    /// `required`, `items` and `anyOf`, which are rewritten).
    static let keptKeywords: Set<String> = [
        "nullable", "minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties",
        "minimum", "maximum", "pattern", "example", "default", "propertyOrdering",
    ]

    /// Gemini `Type` names by JSON Schema type.
    static let typeNames: [String: String] = [
        "string": "STRING", "number": "NUMBER", "integer": "INTEGER", "boolean": "BOOLEAN", "array": "ARRAY", "object": "OBJECT",
    ]

    /// `format` values Gemini knows, by Gemini type (the `Schema.format` field's documentation).
    static let knownFormats: [String: Set<String>] = [
        "STRING": ["enum", "date-time"], "NUMBER": ["float", "double"], "INTEGER": ["int32", "int64"],
    ]

    /// Converts `schema`.
    ///
    /// - Parameters:
    ///   - schema: A JSON Schema object.
    ///   - field: The request field that holds it, for errors (`tools[0].function.parameters`).
    /// - Throws: ``APIError`` 400 naming `field` for a schema that is not an object, an unresolvable `$ref`, or
    ///   recursion (which Gemini's schema cannot express).
    static func convert(_ schema: JSON, field: String) throws(APIError) -> JSON {
        try Converter(root: schema, field: field).convert(schema, depth: 0)
    }

    /// True for an `OBJECT` schema without properties (Gemini refuses such function `parameters`).
    static func isEmptyObject(_ schema: JSON) -> Bool {
        schema["type"]?.stringValue == "OBJECT" && (schema["properties"]?.objectValue?.isEmpty ?? true) && schema["anyOf"] == nil
    }

    private struct Converter {
        let root: JSON
        let field: String

        func convert(_ node: JSON, depth: Int) throws(APIError) -> JSON {
            if node.boolValue != nil { return [:] }  // `true` / `false` schemas: nothing Gemini can express
            guard var object = node.objectValue else {
                throw APIError.invalidField(field, "holds a schema that is not a JSON object (\(String(node.text.prefix(40))))")
            }
            guard depth < 40 else {
                throw APIError.invalidField(field, "nests too deeply (a recursive $ref?); Gemini's schema cannot express recursion")
            }
            if let reference = object.removeValue(forKey: "$ref") {
                let target = try convert(try resolve(reference), depth: depth + 1)
                return merge(target, try convert(.object(object), depth: depth + 1))
            }
            if let members = object.removeValue(forKey: "allOf")?.arrayValue {
                var result: JSON = [:]
                for member in members { result = merge(result, try convert(member, depth: depth + 1)) }
                return merge(result, try convert(.object(object), depth: depth + 1))
            }
            let alternatives = (object.removeValue(forKey: "anyOf")?.arrayValue ?? []) + (object.removeValue(forKey: "oneOf")?.arrayValue ?? [])
            if !alternatives.isEmpty {
                return try convert(alternatives: alternatives, own: object, depth: depth)
            }
            return try convertPlain(object, depth: depth)
        }

        /// `anyOf` / `oneOf`: null members become `nullable`, a single remaining member is inlined.
        private func convert(alternatives: [JSON], own: [String: JSON], depth: Int) throws(APIError) -> JSON {
            var nullable = false
            var members: [JSON] = []
            for alternative in alternatives {
                if alternative["type"]?.stringValue == "null" { nullable = true; continue }
                members.append(try convert(alternative, depth: depth + 1))
            }
            var result = try convert(.object(own), depth: depth + 1)
            if members.count == 1 {
                result = merge(members[0], result)
            } else if !members.isEmpty {
                result["anyOf"] = .array(members)
            }
            if nullable { result["nullable"] = true }
            return result
        }

        private func convertPlain(_ object: [String: JSON], depth: Int) throws(APIError) -> JSON {
            var result: [String: JSON] = [:]
            var notes: [String] = []
            var nullable = object["nullable"]?.boolValue ?? false
            var types: [String] = []
            switch object["type"] {
            case .string(let name)?: types = [name]
            case .array(let names)?: types = names.compactMap(\.stringValue)
            default: break
            }
            if types.contains("null") { nullable = true }
            types.removeAll { $0 == "null" }
            if types.count > 1 {
                // Several types: one alternative per type, each with the constraints that apply to it.
                var members: [JSON] = []
                for type in types {
                    var copy = object
                    copy["type"] = .string(type)
                    copy["description"] = nil
                    copy["nullable"] = nil
                    members.append(try convertPlain(copy, depth: depth + 1))
                }
                result["anyOf"] = .array(members)
                if let description = object["description"] { result["description"] = description }
                if nullable { result["nullable"] = true }
                return .object(result)
            }
            var type = types.first.flatMap { typeNames[$0] }
            if type == nil {
                if object["properties"] != nil { type = "OBJECT" } else if object["items"] != nil { type = "ARRAY" }
            }

            var enumValues = object["enum"]?.arrayValue
            if enumValues == nil, let constant = object["const"] { enumValues = [constant] }
            if let values = enumValues {
                if values.contains(.null) { nullable = true }
                let nonNull = values.filter { !$0.isNull }
                if (type == nil || type == "STRING") && nonNull.allSatisfy({ $0.stringValue != nil }) {
                    type = "STRING"
                    result["enum"] = .array(nonNull)
                } else {
                    notes.append("one of: " + nonNull.map(\.text).joined(separator: ", "))
                }
            }
            if let format = object["format"]?.stringValue {
                if let type, knownFormats[type]?.contains(format) == true {
                    result["format"] = .string(format)
                } else {
                    notes.append("format: \(format)")
                }
            }
            if let type { result["type"] = .string(type) }

            if let properties = object["properties"]?.objectValue {
                var converted: [String: JSON] = [:]
                for (name, property) in properties {
                    converted[name] = try convert(property, depth: depth + 1)
                }
                result["properties"] = .object(converted)
                let required = (object["required"]?.arrayValue ?? []).compactMap(\.stringValue).filter { properties[$0] != nil }
                if !required.isEmpty { result["required"] = .array(required.map { .string($0) }) }
            }
            if let items = object["items"], items.arrayValue == nil {
                result["items"] = try convert(items, depth: depth + 1)
            }
            for keyword in GeminiSchema.keptKeywords {
                if let value = object[keyword] { result[keyword] = value }
            }
            if nullable { result["nullable"] = true } else { result["nullable"] = nil }

            let description = object["description"]?.stringValue
            if !notes.isEmpty {
                let note = "(" + notes.joined(separator: "; ") + ")"
                result["description"] = .string(description.map { "\($0) \(note)" } ?? note)
            } else if let description {
                result["description"] = .string(description)
            }
            return .object(result)
        }

        /// The schema a local `$ref` (`#/$defs/Name`, `#/definitions/Name`, `#`) points at.
        private func resolve(_ reference: JSON) throws(APIError) -> JSON {
            guard let text = reference.stringValue, text.hasPrefix("#") else {
                throw APIError.invalidField(field, "uses a $ref that is not local (\(reference.text)); inline the schema it points at")
            }
            var node = root
            for token in text.dropFirst().split(separator: "/") {
                let key = String(token).replacing("~1", with: "/").replacing("~0", with: "~")
                guard let next = node[key] else {
                    throw APIError.invalidField(field, "uses the $ref \(text.jsonQuoted), which points at nothing in the schema")
                }
                node = next
            }
            return node
        }

        /// `overlay` over `base`: properties and required lists are unioned, other keywords taken from `overlay`.
        private func merge(_ base: JSON, _ overlay: JSON) -> JSON {
            guard var result = base.objectValue, let additions = overlay.objectValue else { return overlay }
            for (key, value) in additions {
                switch (key, result[key]) {
                case ("properties", .object(let existing)?):
                    result[key] = .object(existing.merging(value.objectValue ?? [:]) { _, new in new })
                case ("required", .array(let existing)?):
                    result[key] = .array(existing + (value.arrayValue ?? []).filter { !existing.contains($0) })
                default:
                    result[key] = value
                }
            }
            return .object(result)
        }
    }
}
