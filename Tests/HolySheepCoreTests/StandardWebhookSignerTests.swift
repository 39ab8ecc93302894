import Foundation
import Testing
@testable import HolySheepCore

@Suite struct StandardWebhookSignerTests {
    /// The signing vector of the Standard Webhooks reference library's test "sign function works"
    /// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts).
    static let vector = (
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: Int64(1_614_265_330),
        payload: #"{"test": 2432232314}"#, signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    static let signedAt = Date(timeIntervalSince1970: TimeInterval(vector.timestamp))

    let signer = StandardWebhookSigner(secret: try! WebhookSecret(vector.secret))
    var payload: [UInt8] { Array(Self.vector.payload.utf8) }

    func headers(_ overrides: [String: String?] = [:]) -> [String: String] {
        var headers = [
            "webhook-id": Self.vector.id, "webhook-timestamp": String(Self.vector.timestamp), "webhook-signature": Self.vector.signature,
        ]
        for (name, value) in overrides { headers[name] = value }
        return headers
    }

    func verify(_ headers: [String: String], payload: [UInt8]? = nil, now: Date = signedAt) throws(WebhookError) {
        try signer.verify(payload: payload ?? self.payload, headers: headers, now: now)
    }

    /// The code of the error `body` throws, nil when it succeeds.
    func code(of body: () throws -> Void) -> WebhookError.Code? {
        do {
            try body()
            return nil
        } catch {
            return (error as? WebhookError)?.code
        }
    }

    @Test func sign_matchesTheReferenceLibrarysVector() {
        #expect(signer.signature(id: Self.vector.id, timestamp: Self.vector.timestamp, payload: payload) == Self.vector.signature)
        #expect(throws: Never.self) { try verify(headers()) }
    }

    @Test func headers_roundTripWithAGeneratedSecret_headerNamesInAnyCase() throws {
        let signer = StandardWebhookSigner(secret: .generate())
        let id = StandardWebhookSigner.newMessageID()
        let headers = signer.headers(id: id, timestamp: Date(), payload: payload)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        try signer.verify(payload: payload, headers: Dictionary(uniqueKeysWithValues: headers.map { ($0.name.uppercased(), $0.value) }))
    }

    @Test func tamperedPayload_orOtherSecret_matchNoSignature() {
        #expect(code { try verify(headers(), payload: Array(#"{"test": 2432232315}"#.utf8)) } == .noMatchingSignature)
        let other = StandardWebhookSigner(secret: .generate())
        #expect(code { try other.verify(payload: payload, headers: headers(), now: Self.signedAt) } == .noMatchingSignature)
        #expect(code { try verify(headers(["webhook-id": "msg_other"])) } == .noMatchingSignature)
    }

    @Test func signatureList_passesWhenAnyV1EntryMatches() {
        let list = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,\(Self.vector.signature.dropFirst(3)) \(Self.vector.signature) v1a,abc"
        #expect(code { try verify(headers(["webhook-signature": list])) } == nil)
        #expect(code { try verify(headers(["webhook-signature": "v2,\(Self.vector.signature.dropFirst(3))"])) } == .noMatchingSignature)
        #expect(code { try verify(headers(["webhook-signature": String(Self.vector.signature.prefix(8))])) } == .noMatchingSignature)
        #expect(code { try verify(headers(["webhook-signature": "v1,"])) } == .noMatchingSignature)
    }

    @Test(arguments: [
        (-301.0, WebhookError.Code.timestampTooOld), (301, .timestampInFuture), (-299, nil), (299, nil),
    ])
    func timestamp_isCheckedAgainstTheToleranceBothWays(offset: TimeInterval, expected: WebhookError.Code?) {
        // `now` is the receiver's clock: a negative offset means the delivery was signed in the receiver's future.
        #expect(code { try verify(headers(), now: Self.signedAt.addingTimeInterval(-offset)) } == expected)
    }

    @Test func missingOrBadHeaders_sayWhichHeader() throws {
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            do {
                try verify(headers([name: nil]))
                Issue.record("no error without \(name)")
            } catch {
                #expect(error.code == .missingHeader)
                #expect(error.message.contains("`\(name)`"))
            }
        }
        #expect(code { try verify(headers(["webhook-timestamp": "hello"])) } == .invalidTimestamp)
        #expect(code { try verify(headers(["webhook-timestamp": "-1614265330"])) } == .invalidTimestamp)
    }

    @Test func secret_parsesWithOrWithoutPrefix_andRefusesWhatIsNotOne() throws {
        #expect(try WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == WebhookSecret(Self.vector.secret))
        let generated = WebhookSecret.generate()
        #expect(generated.value.hasPrefix("whsec_") && generated.value.count == 6 + 44)
        #expect(try WebhookSecret(generated.value) == generated)
        #expect(generated != .generate())
        for bad in ["whsec_not base64!", "whsec_" + Data(count: 16).base64EncodedString(), "hs_live_0123456789012345678901234567890A", ""] {
            #expect(throws: WebhookError.self) { try WebhookSecret(bad) }
        }
        #expect(!"\(generated)".contains(generated.value.dropFirst(6)))
    }

    @Test func messageIDs_areUniqueAndDotless() {
        let ids = (0..<1000).map { _ in StandardWebhookSigner.newMessageID() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("msg_") && $0.count == 28 && !$0.contains(".") })
    }
}
