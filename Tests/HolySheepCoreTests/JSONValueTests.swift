import Testing
@testable import HolySheepCore

@Suite struct JSONValueTests {
    @Test func parsing_keepsIntegersExactAndEncodesWithSortedKeys() throws {
        let value = try JSON(parsing: #"{"seed": 9007199254740993, "t": 0.25, "b": true, "n": null, "a": [1, "x"], "s": "é/"}"#)
        #expect(value["seed"] == .integer(9_007_199_254_740_993))
        #expect(value["t"]?.doubleValue == 0.25)
        #expect(value["a"]?[1]?.stringValue == "x")
        #expect(value.text == #"{"a":[1,"x"],"b":true,"n":null,"s":"é/","seed":9007199254740993,"t":0.25}"#)
    }

    @Test func literalsBuildDocuments() {
        var value: JSON = ["role": "user", "content": [["type": "text", "text": "hi"]]]
        value["role"] = "assistant"
        #expect(value["role"]?.stringValue == "assistant")
        #expect(value["content"]?[0]?["type"] == "text")
    }
}
