import Testing
@testable import HolySheepCore

@Suite struct SSEEventSplitterTests {
    static let stream = "data: {\"a\":1}\n\ndata: {\"b\":2}\r\n\r\n: comment\nevent: x\ndata: y\n\ndata: [DONE]\n\n"

    func split(_ input: [UInt8], chunkSizes: [Int]) -> [String] {
        var splitter = SSEEventSplitter()
        var events: [String] = []
        var offset = 0
        var sizes = chunkSizes.makeIterator()
        while offset < input.count {
            let size = min(sizes.next() ?? input.count, input.count - offset)
            input[offset..<(offset + size)].withUnsafeBytes { chunk in
                splitter.feed(chunk) { events.append(String(decoding: $0, as: UTF8.self)) }
            }
            offset += size
        }
        return events
    }

    @Test func wholeStream_yieldsEachEventWithItsSeparator() {
        #expect(split(Array(Self.stream.utf8), chunkSizes: []) == [
            "data: {\"a\":1}\n\n", "data: {\"b\":2}\r\n\r\n", ": comment\nevent: x\ndata: y\n\n", "data: [DONE]\n\n",
        ])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13])
    func anyChunking_yieldsTheSameEvents(size: Int) {
        let bytes = Array(Self.stream.utf8)
        #expect(split(bytes, chunkSizes: Array(repeating: size, count: bytes.count)) == split(bytes, chunkSizes: []))
    }

    @Test func unfinishedEvent_isHeldUntilItsBlankLine() {
        var splitter = SSEEventSplitter()
        var events = 0
        Array("data: x\n".utf8).withUnsafeBytes { splitter.feed($0) { _ in events += 1 } }
        #expect(events == 0 && splitter.hasPendingBytes)
        Array("\n".utf8).withUnsafeBytes { splitter.feed($0) { _ in events += 1 } }
        #expect(events == 1 && !splitter.hasPendingBytes)
    }

    @Test func dataField_joinsDataLines() {
        let event = Array("event: e\ndata: one\ndata:two\n\n".utf8)
        #expect(event.withUnsafeBytes { SSEEvent.data(of: $0) }.map { String(decoding: $0, as: UTF8.self) } == "one\ntwo")
    }
}

@Suite struct ChatStreamRelayTests {
    static let chunk = #"data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}"# + "\n\n"
    static let usageChunk = #"data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4}}}"# + "\n\n"
    static let done = "data: [DONE]\n\n"

    func relay(dropUsage: Bool) -> (String, ChatStreamRelay) {
        var relay = ChatStreamRelay(dropUsageChunk: dropUsage)
        var out = ""
        Array((Self.chunk + Self.usageChunk + Self.done).utf8).withUnsafeBytes { bytes in
            relay.feed(bytes) { out += String(decoding: $0, as: UTF8.self) }
        }
        return (out, relay)
    }

    @Test func usageInjectedByTheGateway_isMeteredButNotRelayed() {
        let (out, relay) = relay(dropUsage: true)
        #expect(out == Self.chunk + Self.done)
        #expect(relay.usage == TokenUsage(promptTokens: 9, completionTokens: 2, cachedTokens: 4))
        #expect(relay.sawDone)
    }

    @Test func usageAskedForByTheClient_isRelayedUntouched() {
        let (out, relay) = relay(dropUsage: false)
        #expect(out == Self.chunk + Self.usageChunk + Self.done)
        #expect(relay.usage?.promptTokens == 9)
    }
}

@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("data: {\"usage\":null}", "\"usage\"", 7), ("uuusage", "usage", 2), ("abc", "abcd", nil), ("xxxx", "usage", nil),
        ("at the end: usage", "usage", 12), ("usage", "usage", 0), ("", "u", nil),
    ] as [(String, String, Int?)])
    func firstRange_findsThePatternWhereverItIs(haystack: String, needle: String, at: Int?) {
        let found = Array(haystack.utf8).withUnsafeBytes { $0.firstRange(of: Array(needle.utf8)) }
        #expect(found?.lowerBound == at)
    }
}
