import Testing
@testable import HolySheepCore

@Suite struct APIKeySecretTests {
    @Test func generatedKeys_havePrefixAnd32Base62Characters() {
        for sandbox in [false, true] {
            let key = APIKeySecret.generate(sandbox: sandbox)
            #expect(key.value.hasPrefix(sandbox ? "hs_test_" : "hs_live_"))
            #expect(key.value.count == 40)
            #expect(APIKeySecret.checkFormat(key.value) == nil)
            #expect(key.isSandbox == sandbox)
        }
        #expect(APIKeySecret.generate(sandbox: false).value != APIKeySecret.generate(sandbox: false).value)
    }

    @Test(arguments: [
        ("sk-proj-abc", APIKeySecret.FormatProblem.foreign),
        ("Bearer", .foreign),
        ("hs_live_short", .malformed),
        ("hs_prod_0123456789012345678901234567890A", .malformed),
        ("hs_live_0123456789012345678901234567890-", .malformed),
    ])
    func malformedKeys_areToldApart(key: String, problem: APIKeySecret.FormatProblem) {
        #expect(APIKeySecret.checkFormat(key) == problem)
    }

    @Test func digest_roundTripsThroughHexAndIsStandardSHA256() {
        let digest = APIKeySecret.digest(of: "abc")
        #expect(digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKeySecret.Digest(hex: digest.hex) == digest)
        #expect(APIKeySecret.digest(of: "abd") != digest)
    }

    @Test func description_neverContainsTheKey() {
        let key = APIKeySecret.generate(sandbox: false)
        #expect(!"\(key)".contains(key.value))
        #expect(!String(reflecting: key).contains(String(key.value.dropFirst(12))))
    }
}
