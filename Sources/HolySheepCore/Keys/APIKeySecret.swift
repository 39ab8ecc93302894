import Crypto

/// A HolySheep API key as the client holds it: `hs_live_` (production) or `hs_test_` (sandbox) followed by
/// 32 base62 characters (≈190 bits of entropy). The server stores only its ``Digest``.
public struct APIKeySecret: Sendable, CustomStringConvertible {
    public static let livePrefix = "hs_live_"
    public static let testPrefix = "hs_test_"
    public static let randomLength = 32
    public static let length = 8 + randomLength

    /// The full key. Only ever shown once, to the operator who created it.
    public let value: String

    /// Never prints the key itself, so a key cannot leak through logging or string interpolation.
    public var description: String { "APIKeySecret(\(displayPrefix)…)" }

    /// The first 12 characters, safe to show in listings (`hs_live_AbCd`).
    public var displayPrefix: String { String(value.prefix(12)) }

    public var isSandbox: Bool { value.hasPrefix(Self.testPrefix) }

    /// Generates a new random key from the system's cryptographic random source.
    public static func generate(sandbox: Bool) -> APIKeySecret {
        APIKeySecret(value: (sandbox ? testPrefix : livePrefix) + Base62.random(count: randomLength))
    }

    public enum FormatProblem: Sendable, Equatable {
        /// Not a HolySheep key at all (for example an OpenAI `sk-` key).
        case foreign
        /// Starts like a HolySheep key but is not one (wrong length or characters).
        case malformed
    }

    /// Checks the shape of a presented key without touching any stored state.
    public static func checkFormat(_ presented: some StringProtocol) -> FormatProblem? {
        var key = String(presented)
        return key.withUTF8 { checkFormat(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// ``checkFormat(_:)`` on the key's UTF-8 bytes (the request path reads them straight from the header).
    public static func checkFormat(utf8 key: UnsafeRawBufferPointer) -> FormatProblem? {
        guard key.starts(with: "hs_".utf8) else { return .foreign }
        guard key.count == length, key.starts(with: livePrefix.utf8) || key.starts(with: testPrefix.utf8) else { return .malformed }
        return key.dropFirst(8).allSatisfy(Base62.contains) ? nil : .malformed
    }

    /// The SHA-256 digest under which a key is stored and looked up.
    ///
    /// A fast hash is right here (unlike passwords): keys carry ~190 random bits, so there is nothing to brute-force.
    public static func digest(of presented: some StringProtocol) -> Digest {
        var key = String(presented)
        return key.withUTF8 { digest(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// ``digest(of:)`` of the key's UTF-8 bytes.
    public static func digest(utf8 key: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: key)
        return Digest(hasher.finalize())
    }

    public var digest: Digest { Self.digest(of: value) }

    /// A key's SHA-256 digest: 32 bytes held as four words, cheap to hash into a dictionary.
    public struct Digest: Hashable, Sendable {
        public let words: (UInt64, UInt64, UInt64, UInt64)

        init(_ hash: SHA256.Digest) {
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            hash.withUnsafeBytes { raw in
                words = (
                    raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                )
            }
            self.words = words
        }

        /// Parses the 64-character lowercase hex form used in storage.
        public init?(hex: String) {
            let utf8 = Array(hex.utf8)
            guard utf8.count == 64 else { return nil }
            var values = [UInt64](repeating: 0, count: 4)
            for (index, byte) in utf8.enumerated() {
                guard let nibble = JSONScanner.hexValue(byte) else { return nil }
                // Little-endian word layout, matching `init(_ hash:)` on little-endian machines.
                let byteIndex = index / 2
                let shift = UInt64((byteIndex % 8) * 8 + (index % 2 == 0 ? 4 : 0))
                values[byteIndex / 8] |= UInt64(nibble) << shift
            }
            words = (values[0], values[1], values[2], values[3])
        }

        public var hex: String {
            var result = ""
            result.reserveCapacity(64)
            for word in [words.0, words.1, words.2, words.3] {
                for byteIndex in 0..<8 {
                    let byte = UInt8(truncatingIfNeeded: word >> (UInt64(byteIndex) * 8))
                    result += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
                }
            }
            return result
        }

        public static func == (lhs: Digest, rhs: Digest) -> Bool { lhs.constantTimeEquals(rhs) }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }

        /// Compares all 32 bytes whatever they hold, so timing says nothing about where two digests differ.
        public func constantTimeEquals(_ other: Digest) -> Bool {
            let difference = (words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)
            return difference == 0
        }
    }
}
