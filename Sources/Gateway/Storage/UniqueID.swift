import Synchronization

/// Row ids that are unique across processes and cost no system call: a random 64-bit prefix drawn once per
/// process, then a counter (`UUID()` opens and reads `/dev/urandom` on every call on Linux — three system calls
/// per ledger charge, on the usage flush's thread).
enum UniqueID {
    private static let prefix = hex(UInt64.random(in: .min ... .max))
    private static let counter = Atomic<UInt64>(0)

    /// `tag` + 32 lowercase hex digits.
    static func next(_ tag: String) -> String {
        tag + prefix + hex(counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
