import Synchronization

/// Row ids that are unique across processes and cost no system call: a random 64-bit prefix drawn once per
/// process, then a counter (`UUID()` opens and reads `/dev/urandom` on every call on Linux — three system calls
/// per ledger charge, on the usage flush's thread).
enum UniqueID {
    private static let prefix = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    /// `tag` + 32 lowercase hex digits, written straight into the string's storage (one allocation).
    static func next(_ tag: String) -> String {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var tag = tag
        return tag.withUTF8 { tagBytes in
            String(unsafeUninitializedCapacity: tagBytes.count + 32) { buffer in
                _ = buffer.initialize(fromContentsOf: tagBytes)
                writeHex(prefix, into: buffer, at: tagBytes.count)
                writeHex(value, into: buffer, at: tagBytes.count + 16)
                return tagBytes.count + 32
            }
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// `value` as 16 lowercase hex digits, zero-padded, at `offset`.
    private static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for index in 0..<16 {
            buffer[offset + index] = digits[Int(truncatingIfNeeded: value >> (60 - 4 * UInt64(index))) & 0xF]
        }
    }
}
