import Testing
@testable import HolySheepCore

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4"), ("[::1]", "::1"), ("::", "::"), ("2001:DB8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("fe80::1%eth0", "fe80::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"), ("::FFFF:a00:1", "::ffff:10.0.0.1"), ("1::", "1::"), ("64:ff9b::1.2.3.4", "64:ff9b::102:304"),
    ])
    func text_parsesToCanonicalForm(text: String, canonical: String) throws {
        #expect(try #require(IPAddress(text)).description == canonical)
    }

    @Test(arguments: [
        "", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "0x7f.0.0.1", "1.2.3.-4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::",
        "12345::", "::g", "1:2:3:4:5:6:7", ":1::", "::1.2.3", "1.2.3.4::", "example.com",
    ])
    func nonLiterals_areNil(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func bytes_buildTheSameAddressesAsText() {
        #expect(IPAddress(bytes: [169, 254, 169, 254]) == IPAddress("169.254.169.254"))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1]) == IPAddress("::1"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test(arguments: [
        ("0.0.0.0", IPAddress.Scope.unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("::1", .loopback),
        ("10.0.0.1", .privateNetwork), ("10.255.255.255", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
        ("192.168.1.1", .privateNetwork), ("fc00::1", .privateNetwork), ("fd12:3456::1", .privateNetwork), ("fec0::1", .privateNetwork),
        ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("255.255.255.255", .broadcast),
        ("192.0.2.1", .documentation), ("198.51.100.7", .documentation), ("203.0.113.9", .documentation), ("2001:db8::1", .documentation),
        ("198.18.0.1", .benchmarking), ("198.19.255.255", .benchmarking), ("2001:2::1", .benchmarking),
        ("192.0.0.8", .reserved), ("240.0.0.1", .reserved), ("100::1", .reserved), ("2001::1", .reserved), ("4000::1", .reserved),
        ("93.184.216.34", .publicUnicast), ("8.8.8.8", .publicUnicast), ("172.15.255.255", .publicUnicast), ("172.32.0.0", .publicUnicast),
        ("100.63.255.255", .publicUnicast), ("100.128.0.0", .publicUnicast), ("11.0.0.1", .publicUnicast), ("192.169.0.1", .publicUnicast),
        ("2606:4700:4700::1111", .publicUnicast), ("2a00:1450:4001:80b::200e", .publicUnicast),
    ])
    func ranges_areClassified(text: String, scope: IPAddress.Scope) throws {
        let address = try #require(IPAddress(text))
        #expect(address.scope == scope)
        #expect(address.isPublicUnicast == (scope == .publicUnicast))
    }

    @Test(arguments: [
        ("::ffff:127.0.0.1", IPAddress.Scope.loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:10.1.2.3", .privateNetwork),
        ("::ffff:7f00:1", .loopback), ("::127.0.0.1", .loopback), ("::10.0.0.1", .privateNetwork), ("64:ff9b::127.0.0.1", .loopback),
        ("64:ff9b::192.168.0.1", .privateNetwork), ("2002:7f00:1::", .loopback), ("2002:a9fe:a9fe::1", .linkLocal),
        ("::ffff:93.184.216.34", .publicUnicast), ("64:ff9b::8.8.8.8", .publicUnicast),
    ])
    func ipv6ThatStandsForIPv4_isClassifiedByItsIPv4(text: String, scope: IPAddress.Scope) throws {
        #expect(try #require(IPAddress(text)).scope == scope)
    }
}
