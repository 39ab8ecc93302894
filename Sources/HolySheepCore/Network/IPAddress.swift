/// An IPv4 or IPv6 address, parsed from its text form or from raw bytes, printed in canonical form (RFC 5952 for IPv6).
///
/// ```swift
/// IPAddress("::ffff:10.0.0.1")?.scope   // .privateNetwork: a mapped address is judged by its IPv4
/// ```
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses dotted-quad IPv4 (four decimal parts, no leading zeros) or IPv6 text: compressed `::`, a trailing
    /// dotted IPv4 (`::ffff:1.2.3.4`), optional brackets (`[::1]`). An IPv6 zone id (`fe80::1%eth0`) is dropped: it
    /// names an interface, not an address. Anything else, including the legacy IPv4 forms `inet_aton` accepts
    /// (`0x7f.1`, `017.0.0.1`), is nil: such hosts go through the resolver, which reports what they really are.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = Self.parseIPv4(text) {
            self = .v4(v4)
        } else if text.contains(":") {
            if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
            guard let v6 = Self.parseIPv6(text) else { return nil }
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(bytes.reduce(0) { $0 << 8 | UInt128($1) })
        default: return nil
        }
    }

    /// The IPv4 address carried inside an IPv6 one that stands for it: IPv4-mapped (`::ffff:0:0/96`),
    /// IPv4-compatible (`::/96`, deprecated), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
    public var embeddedIPv4: UInt32? {
        guard case .v6(let value) = self else { return nil }
        let low = UInt32(truncatingIfNeeded: value)
        switch value >> 32 {
        case 0xffff, 0x64_ff9b << 64: return low
        case 0 where value > 1: return low
        default: return value >> 112 == 0x2002 ? UInt32(truncatingIfNeeded: value >> 80) : nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let value): return Self.format(ipv4: value)
        case .v6(let value):
            if value >> 32 == 0xffff { return "::ffff:" + Self.format(ipv4: UInt32(truncatingIfNeeded: value)) }
            let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)) }
            // RFC 5952 §4.2: the longest run of two or more zero groups (the first of equals) becomes `::`.
            var best = (start: -1, length: 1)
            var index = 0
            while index < 8 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > best.length { best = (index, end - index) }
                index = max(end, index + 1)
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.start >= 0 else { return hex.joined(separator: ":") }
            return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.length)...].joined(separator: ":")
        }
    }

    // MARK: Parsing

    private static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), part.count == 1 || part.first != "0",
                let octet = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    private static func parseIPv6(_ text: Substring) -> UInt128? {
        let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.allSatisfy({ !$0.contains("::") }) else { return nil }
        func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result += [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let group = UInt16(piece, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        let all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(halves[0], allowIPv4Tail: true), only.count == 8 else { return nil }
            all = only
        }
        return all.reduce(0) { $0 << 16 | UInt128($1) }
    }

    private static func format(ipv4 value: UInt32) -> String {
        (0..<4).map { String(UInt8(truncatingIfNeeded: value >> (24 - 8 * $0))) }.joined(separator: ".")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
