/// A validating, allocation-light JSON scanner.
///
/// The gateway relays request and response bodies byte for byte. It only needs a few top-level fields
/// (`model`, `stream`, `max_tokens`, `usage`, …), so instead of decoding the whole document it walks it once,
/// checks that it is well-formed (RFC 8259), and reports where each member of one object sits.
///
/// ```swift
/// let members = try JSONScanner.objectMembers(in: bytes)
/// let model = members.first { $0.name == "model" }
/// ```
public struct JSONScanner: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private var depth = 0
    private static let maximumDepth = 256

    private init(bytes: UnsafeRawBufferPointer, index: Int) {
        self.bytes = bytes
        self.index = index
    }

    /// Validates `bytes` as one complete JSON document whose root is an object, and returns the root's members.
    /// - Throws: ``JSONSyntaxError`` naming the line and column of the first problem.
    public static func objectMembers(in bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [JSONMember] {
        var scanner = JSONScanner(bytes: bytes, index: 0)
        scanner.skipWhitespace()
        guard scanner.index < bytes.count else { throw scanner.error("the body is empty; expected a JSON object") }
        guard bytes[scanner.index] == UInt8(ascii: "{") else {
            throw scanner.error("expected a JSON object starting with '{'")
        }
        let members = try scanner.scanObject(collect: true)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.error("unexpected content after the end of the JSON object") }
        return members
    }

    /// Returns the members of the object found at `value` (a range produced by an earlier scan of the same bytes).
    /// The bytes were validated by that scan, so this only re-walks one level.
    public static func objectMembers(of value: JSONValue, in bytes: UnsafeRawBufferPointer) -> [JSONMember] {
        guard value.kind == .object else { return [] }
        var scanner = JSONScanner(bytes: bytes, index: value.start)
        return (try? scanner.scanObject(collect: true)) ?? []
    }

    /// Like ``objectMembers(of:in:)``, also giving where each member's name starts (to copy whole members).
    public static func objectMembersWithNames(of value: JSONValue, in bytes: UnsafeRawBufferPointer) -> [(nameStart: Int, member: JSONMember)] {
        guard value.kind == .object else { return [] }
        var scanner = JSONScanner(bytes: bytes, index: value.start)
        var starts: [Int]? = []
        let members = (try? scanner.scanObject(collect: true, nameStarts: &starts)) ?? []
        return Array(zip(starts ?? [], members))
    }

    /// Validates `bytes` as one complete JSON document of any kind.
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        var scanner = JSONScanner(bytes: bytes, index: 0)
        scanner.skipWhitespace()
        _ = try scanner.scanValue()
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.error("unexpected content after the end of the JSON value") }
    }

    // MARK: - Grammar

    private mutating func scanValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("the document ends where a value was expected") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            _ = try scanObject(collect: false)
            return JSONValue(kind: .object, start: start, end: index)
        case UInt8(ascii: "["):
            try scanArray()
            return JSONValue(kind: .array, start: start, end: index)
        case UInt8(ascii: "\""):
            try scanString()
            return JSONValue(kind: .string, start: start, end: index)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return JSONValue(kind: .true, start: start, end: index)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return JSONValue(kind: .false, start: start, end: index)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return JSONValue(kind: .null, start: start, end: index)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return JSONValue(kind: .number, start: start, end: index)
        default:
            throw error("unexpected character \(Self.describe(bytes[index])) where a value was expected")
        }
    }

    private mutating func scanObject(collect: Bool) throws(JSONSyntaxError) -> [JSONMember] {
        var noNameStarts: [Int]? = nil
        return try scanObject(collect: collect, nameStarts: &noNameStarts)
    }

    /// With `collect`, the object's members; with `nameStarts` not nil, also where each name starts.
    private mutating func scanObject(collect: Bool, nameStarts: inout [Int]?) throws(JSONSyntaxError) -> [JSONMember] {
        try enter()
        defer { depth -= 1 }
        index += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        // One allocation for the objects the gateway reads (a request, a response, its usage), not one per doubling.
        if collect { members.reserveCapacity(16) }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("the object is not closed; expected '}'") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a member name in double quotes, found \(Self.describe(bytes[index]))")
            }
            let nameStart = index
            let hasEscapes = try scanString()
            let nameEnd = index
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            let value = try scanValue()
            if collect {
                let name = Self.decodeString(bytes, start: nameStart, end: nameEnd, hasEscapes: hasEscapes)
                members.append(JSONMember(name: name, value: value))
                nameStarts?.append(nameStart)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("the object is not closed; expected ',' or '}'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return members
            default:
                throw error("expected ',' or '}' after an object member, found \(Self.describe(bytes[index]))")
            }
        }
    }

    private mutating func scanArray() throws(JSONSyntaxError) {
        try enter()
        defer { depth -= 1 }
        index += 1  // [
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            _ = try scanValue()
            skipWhitespace()
            guard index < bytes.count else { throw error("the array is not closed; expected ',' or ']'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default:
                throw error("expected ',' or ']' after an array element, found \(Self.describe(bytes[index]))")
            }
        }
    }

    /// Scans a string starting at the opening quote; returns whether it contains escapes.
    @discardableResult
    private mutating func scanString() throws(JSONSyntaxError) -> Bool {
        index += 1  // "
        var hasEscapes = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return hasEscapes
            case UInt8(ascii: "\\"):
                hasEscapes = true
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    for _ in 0..<4 {
                        guard index < bytes.count, Self.hexValue(bytes[index]) != nil else {
                            throw error("invalid \\u escape in a string: expected four hex digits")
                        }
                        index += 1
                    }
                default:
                    throw error("invalid escape '\\\(Self.describe(bytes[index]))' in a string")
                }
            case 0..<0x20:
                throw error("unescaped control character \(Self.describe(byte)) inside a string (write it as \\n, \\t or \\u00XX)")
            default:
                index += 1
            }
        }
        throw error("a string is not closed; expected '\"'")
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error("invalid number: expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error("invalid number: expected a digit after '.'") }
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw error("invalid number: expected a digit in the exponent") }
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != expected[offset] { return false }
            return true
        }
        guard matches else { throw error("invalid literal; expected '\(literal)'") }
        index += count
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, bytes: bytes, reason: reason)
    }

    // MARK: - Helpers

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }

    /// Decodes the string token between `start` (opening quote) and `end` (one past the closing quote).
    static func decodeString(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int, hasEscapes: Bool) -> String {
        let body = UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<(end - 1)])
        guard hasEscapes else { return String(decoding: body, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var i = 0
        func flush() {
            if !utf8.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll(keepingCapacity: true)
            }
        }
        func readHex4(_ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for k in 0..<4 { value = value << 4 | (hexValue(body[at + k]) ?? 0) }
            return value
        }
        while i < body.count {
            let byte = body[i]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                i += 1
                continue
            }
            let escape = body[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                flush()
                var code = readHex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= body.count, body[i] == UInt8(ascii: "\\"),
                    body[i + 1] == UInt8(ascii: "u")
                {
                    let low = readHex4(i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: utf8.append(escape)
            }
        }
        flush()
        return String(scalars)
    }
}
