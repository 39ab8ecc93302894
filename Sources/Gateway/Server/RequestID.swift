/// Request ids: `req_` + 32 hex digits (OpenAI's shape) — a random per-process prefix, then a counter
/// (``UniqueID``). Unique across instances, cheap, and increasing within a process: the usage table's primary key
/// grows at one end instead of at random places (scattered ids made a 4-million-row table's inserts, and so the
/// usage flush, several times slower in a 10-minute soak). They are for correlation, not secrets.
enum RequestIDGenerator {
    static func next() -> String {
        UniqueID.next("req_")
    }

    /// A client's own `x-request-id` is kept if it is reasonable: 1–128 visible ASCII characters.
    static func isAcceptable(_ id: some StringProtocol) -> Bool {
        let utf8 = id.utf8
        return !utf8.isEmpty && utf8.count <= 128 && utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
