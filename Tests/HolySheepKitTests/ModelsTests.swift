import Foundation
import HolySheepKit
import Testing

/// The SDK's catalog call against a real gateway (in process, on loopback).
@Suite struct ModelsTests {
    @Test func model_returnsItsPricingInUSDAndCNY() async throws {
        try await TestPlatform.run { platform in
            let model = try await platform.client(key: try await platform.createKey()).model(id: "gpt-4.1")
            #expect(model.id == "gpt-4.1" && model.kind == "chat")
            #expect(model.pricing?.usd.inputPerMTok == 8 && model.pricing?.cny.outputPerMTok == 8)
            #expect(model.pricing?.platformRate == 1 && model.pricing?.usd.perSecond == nil)
        }
    }

    @Test func unknownModel_is404() async throws {
        try await TestPlatform.run { platform in
            await #expect {
                try await platform.client(key: try await platform.createKey()).model(id: "gpt-9")
            } throws: { error in
                (error as? HolySheepError)?.status == 404
            }
        }
    }
}
