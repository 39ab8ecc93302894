import Testing
@testable import HolySheepCore

@Suite struct JSONScannerTests {
    func members(_ text: String) throws -> [JSONMember] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in try JSONScanner.objectMembers(in: buffer) }
    }

    func syntaxError(_ text: String) -> JSONSyntaxError? {
        let bytes = Array(text.utf8)
        do {
            _ = try bytes.withUnsafeBytes { buffer in try JSONScanner.objectMembers(in: buffer) }
            return nil
        } catch let error as JSONSyntaxError {
            return error
        } catch {
            return nil
        }
    }

    @Test func objectMembers_listsTopLevelMembersWithTheirKinds() throws {
        let found = try members(#"{"model":"gpt-4.1","n":2,"stream":true,"x":null,"m":[{"a":{"b":[1,2]}}],"o":{"k":"v"},"f":-1.5e3}"#)
        #expect(found.map(\.name) == ["model", "n", "stream", "x", "m", "o", "f"])
        #expect(found.map(\.value.kind) == [.string, .number, .true, .null, .array, .object, .number])
    }

    @Test func stringValues_decodeEscapesAndSurrogatePairs() throws {
        let text = #"{"s":"a\"b\\c\n\u00e9\ud83d\ude00/"}"#
        let bytes = Array(text.utf8)
        let value = try bytes.withUnsafeBytes { buffer in try JSONScanner.objectMembers(in: buffer)[member: "s"]!.string(in: buffer) }
        #expect(value == "a\"b\\c\né😀/")
    }

    @Test(arguments: [
        (#"{"model": "x", "messages": [}"#, 1, 29),
        ("{\n  \"model\": \"x\",\n  \"messages\": [1 2]\n}", 3, 18),
        (#"{"a": tru}"#, 1, 7),
        (#"{"a": 01}"#, 1, 8),
        (#"{"a": "x"} extra"#, 1, 12),
        ("{\"a\": \"line\nbreak\"}", 1, 12),
        (#"{"a" 1}"#, 1, 6),
        ("", 1, 1),
        ("[1,2]", 1, 1),
    ])
    func malformedDocuments_reportLineAndColumn(text: String, line: Int, column: Int) {
        let error = syntaxError(text)
        #expect(error?.line == line)
        #expect(error?.column == column)
    }

    @Test func deepNesting_isRefusedInsteadOfOverflowingTheStack() {
        let text = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(syntaxError(text)?.reason.contains("nesting") == true)
    }

    @Test func integers_readExactlyAndRefuseFractions() throws {
        let text = #"{"a": 1234, "b": 1.5, "c": -3}"#
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { buffer in
            let found = try JSONScanner.objectMembers(in: buffer)
            #expect(found[member: "a"]?.integer(in: buffer) == 1234)
            #expect(found[member: "b"]?.integer(in: buffer) == nil)
            #expect(found[member: "c"]?.integer(in: buffer) == nil)
        }
    }

    @Test func jsonQuoted_escapesControlCharactersAndQuotes() {
        #expect("a\"b\\\n\u{1}".jsonQuoted == #""a\"b\\\n\u0001""#)
    }
}
