/// Where one JSON value sits in a scanned document: its kind and byte range (`start..<end`).
public struct JSONValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case object, array, string, number, `true`, `false`, null
    }

    public let kind: Kind
    public let start: Int
    public let end: Int

    public var range: Range<Int> { start..<end }

    /// The value's text as written in the document.
    public func raw(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// The decoded string, when the value is a string.
    public func string(in bytes: UnsafeRawBufferPointer) -> String? {
        guard kind == .string else { return nil }
        let hasEscapes = bytes[(start + 1)..<(end - 1)].contains(UInt8(ascii: "\\"))
        return JSONScanner.decodeString(bytes, start: start, end: end, hasEscapes: hasEscapes)
    }

    /// The value as a non-negative integer, when it is a number written without fraction or exponent.
    public func integer(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard kind == .number, end > start else { return nil }
        var result = 0
        for index in start..<end {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (product, overflowMultiply) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = product.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowMultiply, !overflowAdd else { return nil }
            result = sum
        }
        return result
    }

    /// `true` or `false` for boolean literals, `nil` otherwise.
    public var bool: Bool? {
        switch kind {
        case .true: true
        case .false: false
        default: nil
        }
    }
}

/// One `"name": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public let name: String
    public let value: JSONValue
}

extension Array where Element == JSONMember {
    /// The value of the first member called `name`.
    public subscript(member name: String) -> JSONValue? {
        first { $0.name == name }?.value
    }
}
