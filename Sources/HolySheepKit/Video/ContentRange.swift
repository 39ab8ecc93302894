/// An HTTP `Content-Range` header of a `206` answer: `bytes START-END/TOTAL` (RFC 9110 §14.4), TOTAL possibly `*`.
struct ContentRange: Equatable {
    let start: Int64
    let end: Int64
    let total: Int64?

    init(start: Int64, end: Int64, total: Int64?) {
        self.start = start
        self.end = end
        self.total = total
    }

    init?(_ header: String) {
        guard header.hasPrefix("bytes ") else { return nil }
        let parts = header.dropFirst(6).split(separator: "/", maxSplits: 1)
        let bounds = parts.first?.split(separator: "-", maxSplits: 1) ?? []
        guard parts.count == 2, bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]), start <= end else { return nil }
        let total = parts[1] == "*" ? nil : Int64(parts[1])
        guard parts[1] == "*" || (total.map { $0 > end } ?? false) else { return nil }
        self.init(start: start, end: end, total: total)
    }
}
