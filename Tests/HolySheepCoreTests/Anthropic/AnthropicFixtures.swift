import Foundation
@testable import HolySheepCore

/// Loads the payloads in `Fixtures/anthropic/` (see the README there for the doc page each comes from).
enum AnthropicFixtures {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "fixture Fixtures/anthropic/\(name) is not in the test bundle" }
    }

    static func text(_ name: String) throws -> String {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Missing(name: name) }
        return try String(contentsOf: folder.appendingPathComponent("anthropic/\(name)"), encoding: .utf8)
    }

    static func json(_ name: String) throws -> JSON {
        try JSON(parsing: text(name))
    }

    /// The events of an SSE file: `event:` name (empty when absent) and parsed `data:`; `data: [DONE]` is left out.
    static func events(_ name: String) throws -> [(event: String, data: JSON)] {
        var events: [(event: String, data: JSON)] = []
        for record in try text(name).components(separatedBy: "\n\n") {
            var event = ""
            var data: String?
            for line in record.split(separator: "\n") {
                if line.hasPrefix("event:") { event = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("data:") { data = line.dropFirst(5).trimmingCharacters(in: .whitespaces) }
            }
            guard let data, data != "[DONE]" else { continue }
            events.append((event, try JSON(parsing: data)))
        }
        return events
    }
}

extension [JSON] {
    /// The `choices[0].delta` of each chunk that has one.
    var deltas: [JSON] { compactMap { $0["choices"]?[0]?["delta"] } }

    /// The text deltas of a chunk list, joined.
    var streamedContent: String { deltas.compactMap { $0["content"]?.stringValue }.joined() }

    /// The streamed tool calls, reassembled as OpenAI's SDKs do: by `index`, name and id from the first fragment,
    /// arguments concatenated.
    var streamedToolCalls: [(id: String, name: String, arguments: String)] {
        var calls: [Int: (id: String, name: String, arguments: String)] = [:]
        for delta in deltas {
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                let index = call["index"]?.intValue ?? -1
                var current = calls[index] ?? ("", "", "")
                if let id = call["id"]?.stringValue { current.id = id }
                if let name = call["function"]?["name"]?.stringValue { current.name = name }
                current.arguments += call["function"]?["arguments"]?.stringValue ?? ""
                calls[index] = current
            }
        }
        return calls.keys.sorted().compactMap { calls[$0] }
    }
}
