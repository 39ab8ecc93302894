import Testing

@testable import Gateway

@Suite struct BearerTokenTests {
    private func token(_ header: String) -> String {
        var header = header
        return header.withUTF8 { String(decoding: AuthMiddleware.bearerToken(UnsafeRawBufferPointer($0)), as: UTF8.self) }
    }

    @Test func theSchemeIsMatchedInAnyCaseAndExtraSpacesAreSkipped() {
        #expect(token("Bearer hs_live_abc") == "hs_live_abc")
        #expect(token("bearer hs_live_abc") == "hs_live_abc")
        #expect(token("BEARER   hs_live_abc") == "hs_live_abc")
    }

    @Test func anythingElseIsPresentedWholeForTheFormatCheckToJudge() {
        #expect(token("hs_live_abc") == "hs_live_abc")
        #expect(token("Bearer") == "Bearer")
        #expect(token("Bearer ") == "Bearer ")
        #expect(token("Basic aGk6aGk=") == "Basic aGk6aGk=")
        #expect(token("Bearerhs_live_abc") == "Bearerhs_live_abc")
    }
}
