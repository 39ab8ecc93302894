#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Relays an OpenAI-format SSE stream event by event, byte for byte, while metering it.
///
/// It reads the usage chunk (the `choices: []` chunk sent when `stream_options.include_usage` is true) and,
/// when the gateway asked for usage on the client's behalf, keeps that chunk from the client so the stream is
/// exactly what the client asked for.
public struct ChatStreamRelay: Sendable {
    private var splitter = SSEEventSplitter()
    private let dropUsageChunk: Bool
    public private(set) var usage: TokenUsage?
    public private(set) var sawDone = false
    /// Content events relayed (the usage chunk and `[DONE]` excluded).
    public private(set) var eventCount = 0

    public init(dropUsageChunk: Bool) {
        self.dropUsageChunk = dropUsageChunk
    }

    /// Feeds bytes from upstream; `emit` receives the bytes to send to the client, in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let dropUsage = dropUsageChunk
        var usage = self.usage
        var sawDone = self.sawDone
        var count = eventCount
        try splitter.feed(chunk) { event in
            switch Self.classify(event) {
            case .done:
                sawDone = true
            case .usage(let found, let usageOnly):
                usage = found
                if usageOnly && dropUsage { return }
                count += 1
            case .other:
                count += 1
            }
            try emit(event)
        }
        self.usage = usage
        self.sawDone = sawDone
        self.eventCount = count
    }

    /// Bytes of a last event the upstream never terminated, to relay as they are.
    public mutating func finish() -> [UInt8] { splitter.drain() }

    private static let usageToken: [UInt8] = Array(#""usage""#.utf8)
    private static let doneToken: [UInt8] = Array("[DONE]".utf8)

    enum EventKind {
        case done
        case usage(TokenUsage, usageOnly: Bool)
        case other
    }

    static func classify(_ event: UnsafeRawBufferPointer) -> EventKind {
        // Fast path: most events carry no usage object at all.
        guard event.firstRange(of: usageToken) != nil else {
            return event.firstRange(of: doneToken) != nil ? .done : .other
        }
        guard let data = SSEEvent.data(of: event) else { return .other }
        return data.withUnsafeBytes { bytes in
            guard let members = try? JSONScanner.objectMembers(in: bytes),
                let usage = TokenUsage.fromOpenAI(members: members, bytes)
            else { return .other }
            let choices = members[member: "choices"]
            let usageOnly = choices.map { $0.kind == .array && JSONScanner.isEmptyArray($0, in: bytes) } ?? true
            return .usage(usage, usageOnly: usageOnly)
        }
    }
}

extension JSONScanner {
    static func isEmptyArray(_ value: JSONValue, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard value.kind == .array else { return false }
        for index in (value.start + 1)..<(value.end - 1) {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: return false
            }
        }
        return true
    }
}

extension UnsafeRawBufferPointer {
    /// The first occurrence of `pattern` in the buffer: libc's vectorised `memchr` finds candidates for the first
    /// byte, `memcmp` checks the rest; no allocation.
    func firstRange(of pattern: [UInt8]) -> Range<Int>? {
        guard let first = pattern.first, pattern.count <= count, let base = baseAddress else { return nil }
        return pattern.withUnsafeBytes { needle -> Range<Int>? in
            var offset = 0
            let last = count - pattern.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                let position = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + position, needle.baseAddress!, pattern.count) == 0 { return position..<(position + pattern.count) }
                offset = position + 1
            }
            return nil
        }
    }
}
