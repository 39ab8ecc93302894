import HolySheepCore
import Testing

@Suite struct HTTPURLTests {
    @Test func anHTTPSURL_defaultsToPort443_andKeepsItsPathAndQuery() throws {
        let url = try #require(HTTPURL("https://api.openai.com/v1?x=1"))
        #expect(url.origin == HTTPURL.Origin(tls: true, host: "api.openai.com", port: 443))
        #expect(url.hostHeader == "api.openai.com")
        #expect(url.target == "/v1?x=1")
    }

    @Test func anExplicitPort_andAnIPv6Literal_areSplitOut() throws {
        let v4 = try #require(HTTPURL("http://127.0.0.1:8080"))
        #expect(v4.origin == HTTPURL.Origin(tls: false, host: "127.0.0.1", port: 8080))
        #expect(v4.target == "/")
        let v6 = try #require(HTTPURL("http://[::1]:9000/v1"))
        #expect(v6.origin == HTTPURL.Origin(tls: false, host: "::1", port: 9000))
        #expect(v6.hostHeader == "[::1]:9000")
    }

    @Test func appending_joinsPathsWithOneSlash() throws {
        #expect(HTTPURL("http://h:1/v1")!.appending("/chat/completions").target == "/v1/chat/completions")
        #expect(HTTPURL("http://h:1/v1/")!.appending("/chat/completions").target == "/v1/chat/completions")
        #expect(HTTPURL("http://h:1")!.appending("/v1/messages").target == "/v1/messages")
        #expect(HTTPURL("http://h:1")!.appending("/v1/messages").description == "http://h:1/v1/messages")
    }

    @Test(arguments: [
        "ftp://h/x", "http://", "https://:443", "http://user:secret@h/", "http://h:0", "http://h:99999", "http://h:port", "http://h/a b",
        "http://[::1/x", "api.openai.com/v1",
    ])
    func aURLAnUpstreamCannotBeCalledAt_isRefused(_ text: String) {
        #expect(HTTPURL(text) == nil)
    }
}
