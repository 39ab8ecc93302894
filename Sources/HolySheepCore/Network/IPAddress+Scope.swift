extension IPAddress {
    /// What an address is for, from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and the
    /// RFCs each range cites). Only ``publicUnicast`` addresses are reachable targets on the public internet.
    public enum Scope: String, Sendable, Hashable {
        /// `0.0.0.0/8`, `::`: "this host"; connecting to it reaches the local machine.
        case unspecified
        /// `127.0.0.0/8`, `::1`.
        case loopback
        /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918), `fc00::/7` (unique local), `fec0::/10` (old site-local).
        case privateNetwork = "private"
        /// `169.254.0.0/16` (including the cloud metadata service at 169.254.169.254), `fe80::/10`.
        case linkLocal = "link-local"
        /// `100.64.0.0/10`, carrier-grade NAT (RFC 6598).
        case sharedAddressSpace = "shared address space (CGNAT)"
        /// `224.0.0.0/4`, `ff00::/8`.
        case multicast
        /// `255.255.255.255`.
        case broadcast
        /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32` (RFC 5737, RFC 3849).
        case documentation
        /// `198.18.0.0/15`, `2001:2::/48` (RFC 2544, RFC 5180).
        case benchmarking
        /// Anything else set aside: `192.0.0.0/24`, `240.0.0.0/4`, `100::/64`, `2001::/23`, IPv6 outside `2000::/3`, ….
        case reserved
        /// Globally routable unicast.
        case publicUnicast = "public"
    }

    /// The address's scope. IPv6 addresses that stand for an IPv4 one (mapped, compatible, NAT64, 6to4) take the
    /// scope of that IPv4 address, so `::ffff:127.0.0.1` is loopback.
    public var scope: Scope {
        switch self {
        case .v4(let value): return Self.scope(ipv4: value)
        case .v6(let value):
            if value == 0 { return .unspecified }
            if value == 1 { return .loopback }
            if let v4 = embeddedIPv4 { return Self.scope(ipv4: v4) }
            for (prefix, length, scope) in Self.ipv6Ranges where value >> (128 - length) == prefix >> (128 - length) { return scope }
            return value >> 125 == 1 ? .publicUnicast : .reserved  // global unicast is 2000::/3
        }
    }

    /// True when the address is globally routable unicast: what a callback to the public internet may reach.
    public var isPublicUnicast: Bool { scope == .publicUnicast }

    private static func scope(ipv4 value: UInt32) -> Scope {
        if value == 0xFFFF_FFFF { return .broadcast }
        for (prefix, length, scope) in ipv4Ranges where value >> (32 - length) == prefix >> (32 - length) { return scope }
        return .publicUnicast
    }

    private static let ipv4Ranges: [(UInt32, UInt32, Scope)] = [
        (0x0000_0000, 8, .unspecified),  // 0.0.0.0/8
        (0x0A00_0000, 8, .privateNetwork),  // 10.0.0.0/8
        (0x6440_0000, 10, .sharedAddressSpace),  // 100.64.0.0/10
        (0x7F00_0000, 8, .loopback),  // 127.0.0.0/8
        (0xA9FE_0000, 16, .linkLocal),  // 169.254.0.0/16
        (0xAC10_0000, 12, .privateNetwork),  // 172.16.0.0/12
        (0xC000_0000, 24, .reserved),  // 192.0.0.0/24, IETF protocol assignments
        (0xC000_0200, 24, .documentation),  // 192.0.2.0/24, TEST-NET-1
        (0xC058_6300, 24, .reserved),  // 192.88.99.0/24, 6to4 relay anycast (deprecated)
        (0xC0A8_0000, 16, .privateNetwork),  // 192.168.0.0/16
        (0xC612_0000, 15, .benchmarking),  // 198.18.0.0/15
        (0xC633_6400, 24, .documentation),  // 198.51.100.0/24, TEST-NET-2
        (0xCB00_7100, 24, .documentation),  // 203.0.113.0/24, TEST-NET-3
        (0xE000_0000, 4, .multicast),  // 224.0.0.0/4
        (0xF000_0000, 4, .reserved),  // 240.0.0.0/4
    ]

    private static let ipv6Ranges: [(UInt128, UInt128, Scope)] = [
        (0x0100 << 112, 64, .reserved),  // 100::/64, discard-only
        (0x2001_0002 << 96, 48, .benchmarking),  // 2001:2::/48
        (0x2001_0db8 << 96, 32, .documentation),  // 2001:db8::/32
        (0x2001 << 112, 23, .reserved),  // 2001::/23, IETF protocol assignments (Teredo among them)
        (0xfc00 << 112, 7, .privateNetwork),  // fc00::/7, unique local
        (0xfe80 << 112, 10, .linkLocal),  // fe80::/10
        (0xfec0 << 112, 10, .privateNetwork),  // fec0::/10, site-local (deprecated)
        (0xff00 << 112, 8, .multicast),  // ff00::/8
    ]
}
