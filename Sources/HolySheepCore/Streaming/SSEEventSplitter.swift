/// Splits a Server-Sent Events byte stream into whole events, as the bytes arrive.
///
/// Events end at a blank line (`\n\n`, `\r\n\r\n` or `\r\r`, per the WHATWG EventSource specification). The
/// splitter hands back each complete event's exact bytes, separator included, so a relay can forward them
/// untouched; a partial event is held until the rest arrives.
public struct SSEEventSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// True when bytes of an unfinished event are waiting.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// Feeds the next bytes; calls `onEvent` with each event completed by them, in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ onEvent: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if pending.isEmpty {
            let consumed = try Self.splitComplete(chunk, onEvent)
            if consumed < chunk.count { pending.append(contentsOf: chunk[consumed...]) }
            return
        }
        let scanFrom = max(0, pending.count - 4)
        pending.append(contentsOf: chunk)
        let consumed = try pending.withUnsafeBytes { buffer in try Self.splitComplete(buffer, from: scanFrom, onEvent) }
        pending.removeFirst(consumed)
    }

    /// Returns what is left of an unfinished event (a stream that ended without a final blank line).
    public mutating func drain() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    /// Emits every complete event in `buffer`; returns how many bytes they covered.
    private static func splitComplete(
        _ buffer: UnsafeRawBufferPointer, from scanStart: Int = 0, _ onEvent: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows -> Int {
        /// Length of the line terminator at `index` (0 if none), or nil when a final `\r` leaves it undecided.
        func terminator(at index: Int) -> Int? {
            switch buffer[index] {
            case UInt8(ascii: "\n"): return 1
            case UInt8(ascii: "\r"):
                guard index + 1 < buffer.count else { return nil }
                return buffer[index + 1] == UInt8(ascii: "\n") ? 2 : 1
            default: return 0
            }
        }
        var eventStart = 0
        var index = scanStart
        while index < buffer.count {
            guard let length = terminator(at: index) else { break }
            guard length > 0 else {
                index += 1
                continue
            }
            let next = index + length
            guard next < buffer.count, let following = terminator(at: next) else { break }
            if following > 0 {  // an empty line: the event is complete
                let end = next + following
                try onEvent(UnsafeRawBufferPointer(rebasing: buffer[eventStart..<end]))
                eventStart = end
                index = end
            } else {
                index = next
            }
        }
        return eventStart
    }
}

/// Reads the `data:` field of one event (RFC: several `data:` lines join with `\n`).
public enum SSEEvent {
    /// The payload of the event's `data:` lines, or nil when it has none.
    public static func data(of event: UnsafeRawBufferPointer) -> [UInt8]? {
        fieldBytes("data", of: event)
    }

    /// The value of a field (`event`, `data`, `id`) in one event, as text; several lines of it join with `\n`.
    public static func field(_ name: String, of event: UnsafeRawBufferPointer) -> String? {
        fieldBytes(name, of: event).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func fieldBytes(_ name: String, of event: UnsafeRawBufferPointer) -> [UInt8]? {
        let bytes = Array(name.utf8)
        var result: [UInt8]? = nil
        var lineStart = 0
        let count = event.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count, event[lineEnd] != UInt8(ascii: "\n"), event[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
            let nameEnd = lineStart + bytes.count
            if nameEnd < lineEnd, event[nameEnd] == UInt8(ascii: ":"),
                (0..<bytes.count).allSatisfy({ event[lineStart + $0] == bytes[$0] })
            {
                var valueStart = nameEnd + 1
                if valueStart < lineEnd, event[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                if result == nil {
                    result = Array(event[valueStart..<lineEnd])
                } else {
                    result!.append(UInt8(ascii: "\n"))
                    result!.append(contentsOf: event[valueStart..<lineEnd])
                }
            }
            lineStart = lineEnd
            if lineStart < count, event[lineStart] == UInt8(ascii: "\r") { lineStart += 1 }
            if lineStart < count, event[lineStart] == UInt8(ascii: "\n") { lineStart += 1 }
        }
        return result
    }
}
