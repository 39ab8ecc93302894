/// A JSON document is malformed: says where (byte offset, 1-based line and column) and what was expected.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let line: Int
    public let column: Int
    public let reason: String

    init(offset: Int, bytes: UnsafeRawBufferPointer, reason: String) {
        var line = 1
        var lineStart = 0
        let limit = min(offset, bytes.count)
        for index in 0..<limit where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.offset = offset
        self.line = line
        self.column = offset - lineStart + 1
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}
