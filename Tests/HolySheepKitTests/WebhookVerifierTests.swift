import Foundation
import HolySheepCore
import Testing
@testable import HolySheepKit

@Suite struct WebhookVerifierTests {
    static let secret = WebhookSecret.generate()
    static let payload = Array(#"{"type":"video.generation.completed","timestamp":"2026-11-25T05:00:00.123Z","data":\#(VideoJobTests.queued)}"#.utf8)

    func signed(_ payload: [UInt8], at date: Date = Date()) -> [String: String] {
        let headers = StandardWebhookSigner(secret: Self.secret).headers(id: StandardWebhookSigner.newMessageID(), timestamp: date, payload: payload)
        return Dictionary(uniqueKeysWithValues: headers.map { ($0.name.capitalized, $0.value) })
    }

    @Test func signedDelivery_verifiesAndDecodesTheEvent() throws {
        let event = try WebhookVerifier(secret: Self.secret.value).verify(payload: Self.payload, headers: signed(Self.payload))
        #expect(event.type == .completed && event.data.id == "vgen_01")
        #expect(abs(event.timestamp.timeIntervalSince1970 - 1_795_582_800.123) < 0.0005)
    }

    @Test func forgedStaleOrMalformedDeliveries_areRefusedWithTheirReason() throws {
        let verifier = try WebhookVerifier(secret: Self.secret.value)
        var tampered = Self.payload
        tampered[tampered.count - 2] = UInt8(ascii: " ")
        #expect { try verifier.verify(payload: tampered, headers: signed(Self.payload)) } throws: { ($0 as? WebhookError)?.code == .noMatchingSignature }
        let stale = signed(Self.payload, at: Date().addingTimeInterval(-600))
        #expect { try verifier.verify(payload: Self.payload, headers: stale) } throws: { ($0 as? WebhookError)?.code == .timestampTooOld }
        let other = Array(#"{"hello":"world"}"#.utf8)
        #expect { try verifier.verify(payload: other, headers: signed(other)) } throws: { ($0 as? WebhookError)?.code == .invalidPayload }
        #expect(throws: WebhookError.self) { try WebhookVerifier(secret: "hs_live_notawebhooksecret") }
    }
}
