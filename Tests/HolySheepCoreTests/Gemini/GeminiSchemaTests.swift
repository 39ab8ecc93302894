import Testing
@testable import HolySheepCore

@Suite struct GeminiSchemaTests {
    func convert(_ schema: JSON) throws -> JSON {
        try GeminiSchema.convert(schema, field: "tools[0].function.parameters")
    }

    @Test func keywordsOutsideGeminisSubset_areStripped_atEveryDepth() throws {
        let converted = try convert([
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:shot",
            "title": "Shot",
            "type": "object",
            "additionalProperties": false,
            "properties": [
                "tags": ["type": "array", "items": ["type": "string", "title": "Tag", "minLength": 1], "uniqueItems": true, "maxItems": 5],
                "duration": ["type": "number", "exclusiveMinimum": 0, "maximum": 30, "multipleOf": 0.5],
                "meta": ["type": "object", "properties": ["note": ["type": "string"]], "additionalProperties": ["type": "string"]],
            ],
        ])
        #expect(converted == [
            "type": "OBJECT",
            "properties": [
                "tags": ["type": "ARRAY", "items": ["type": "STRING", "minLength": 1], "maxItems": 5],
                "duration": ["type": "NUMBER", "maximum": 30],
                "meta": ["type": "OBJECT", "properties": ["note": ["type": "STRING"]]],
            ],
        ])
    }

    @Test func typeArrayWithNull_becomesNullable() throws {
        #expect(try convert(["type": ["string", "null"], "description": "Optional mood."])
            == ["type": "STRING", "nullable": true, "description": "Optional mood."])
    }

    @Test func typeArrayOfSeveralTypes_becomesAnyOf() throws {
        #expect(try convert(["type": ["string", "integer"], "description": "An id."])
            == ["anyOf": [["type": "STRING"], ["type": "INTEGER"]], "description": "An id."])
    }

    @Test func anyOfWithNull_isInlinedAsNullable() throws {
        #expect(try convert(["anyOf": [["type": "integer", "minimum": 1], ["type": "null"]], "default": .null, "description": "Seconds."])
            == ["type": "INTEGER", "minimum": 1, "nullable": true, "default": .null, "description": "Seconds."])
    }

    @Test func oneOf_becomesAnyOf() throws {
        #expect(try convert(["oneOf": [["type": "string"], ["type": "number"]]]) == ["anyOf": [["type": "STRING"], ["type": "NUMBER"]]])
    }

    @Test func localRefs_areInlined_andDefsDropped() throws {
        let converted = try convert([
            "$defs": ["Character": ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]]],
            "definitions": ["Tone": ["type": "string", "enum": ["warm", "cold"]]],
            "type": "object",
            "properties": [
                "lead": ["$ref": "#/$defs/Character", "description": "The lead."],
                "tone": ["$ref": "#/definitions/Tone"],
            ],
        ])
        #expect(converted == [
            "type": "OBJECT",
            "properties": [
                "lead": ["type": "OBJECT", "properties": ["name": ["type": "STRING"]], "required": ["name"], "description": "The lead."],
                "tone": ["type": "STRING", "enum": ["warm", "cold"]],
            ],
        ])
    }

    @Test func allOf_isMerged() throws {
        #expect(try convert(["allOf": [
            ["type": "object", "properties": ["a": ["type": "string"]], "required": ["a"]],
            ["properties": ["b": ["type": "integer"]], "required": ["b"]],
        ]]) == ["type": "OBJECT", "properties": ["a": ["type": "STRING"], "b": ["type": "INTEGER"]], "required": ["a", "b"]])
    }

    @Test func recursiveRef_says400NamingTheField() {
        #expect {
            _ = try convert(["$defs": ["Node": ["type": "object", "properties": ["next": ["$ref": "#/$defs/Node"]]]], "$ref": "#/$defs/Node"])
        } throws: { error in
            (error as? APIError)?.param == "tools[0].function.parameters"
        }
    }

    @Test func unknownRef_says400() {
        #expect(throws: APIError.self) { _ = try convert(["$ref": "#/$defs/Missing"]) }
        #expect(throws: APIError.self) { _ = try convert(["$ref": "https://example.com/schema.json"]) }
    }

    @Test func const_becomesAOneValueEnum() throws {
        #expect(try convert(["const": "shot"]) == ["type": "STRING", "enum": ["shot"]])
    }

    @Test func enumOfNonStrings_movesIntoTheDescription() throws {
        #expect(try convert(["type": "integer", "enum": [5, 10, 15], "description": "Clip length."])
            == ["type": "INTEGER", "description": "Clip length. (one of: 5, 10, 15)"])
    }

    @Test func enumWithNull_becomesNullable() throws {
        #expect(try convert(["enum": ["a", .null]]) == ["type": "STRING", "enum": ["a"], "nullable": true])
    }

    @Test func requiredNamesWithoutProperty_areDropped() throws {
        #expect(try convert(["type": "object", "properties": ["a": ["type": "string"]], "required": ["a", "ghost"]])
            == ["type": "OBJECT", "properties": ["a": ["type": "STRING"]], "required": ["a"]])
    }

    @Test func formatsGeminiKnows_areKept_othersMoveIntoTheDescription() throws {
        #expect(try convert(["type": "string", "format": "date-time"]) == ["type": "STRING", "format": "date-time"])
        #expect(try convert(["type": "string", "format": "email", "description": "Contact."])
            == ["type": "STRING", "description": "Contact. (format: email)"])
        #expect(try convert(["type": "string", "format": "uri"]) == ["type": "STRING", "description": "(format: uri)"])
    }

    @Test func missingType_isInferredFromPropertiesOrItems() throws {
        #expect(try convert(["properties": ["a": ["type": "boolean"]]]) == ["type": "OBJECT", "properties": ["a": ["type": "BOOLEAN"]]])
        #expect(try convert(["items": ["type": "number"]]) == ["type": "ARRAY", "items": ["type": "NUMBER"]])
    }

    @Test func schemaThatIsNotAnObject_says400() {
        #expect(throws: APIError.self) { _ = try convert("string") }
    }
}
