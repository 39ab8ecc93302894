import Foundation
import Testing
@testable import HolySheepCore

/// Loads the files of `Fixtures/gemini` (see its README for the doc page each comes from).
enum GeminiFixtures {
    static func text(_ name: String) throws -> String {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/gemini/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func json(_ name: String) throws -> JSON {
        try JSON(parsing: text(name))
    }

    /// The parsed `data:` payloads of an `.sse` fixture, in order.
    static func ssePayloads(_ name: String) throws -> [JSON] {
        try text(name).split(separator: "\n")
            .filter { $0.hasPrefix("data:") }
            .map { line in try JSON(parsing: String(line.dropFirst("data:".count))) }
    }
}

/// The error a translation throws, or nil when it succeeds.
func geminiRequestRejection(_ chat: JSON) -> APIError? {
    do {
        _ = try GeminiTranslation.generateContentRequest(fromChat: chat)
        return nil
    } catch {
        return error
    }
}
