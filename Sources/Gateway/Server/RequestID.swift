import Synchronization

/// Request ids: `req_` + 16 hex digits of a per-process random base + a counter. Unique, cheap, unguessable enough
/// for correlation (they are not secrets).
enum RequestIDGenerator {
    private static let base = UInt64.random(in: 0..<UInt64.max)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let value = base &+ counter.wrappingAdd(1, ordering: .relaxed).oldValue &* 0x9E37_79B9_7F4A_7C15
        let hex = String(value, radix: 16)
        return "req_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A client's own `x-request-id` is kept if it is reasonable: 1–128 visible ASCII characters.
    static func isAcceptable(_ id: some StringProtocol) -> Bool {
        let utf8 = id.utf8
        return !utf8.isEmpty && utf8.count <= 128 && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
