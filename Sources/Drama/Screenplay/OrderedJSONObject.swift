/// A flat JSON object whose keys keep the order they were added in.
///
/// The screenplay types write their `Codable` form and their line of `Screenplay.json()` from the same object, so
/// the two never drift apart; `JSONEncoder` alone would sort keys alphabetically or shuffle them. Absent values
/// (nil, false, empty lists) are left out to keep each line short.
struct OrderedJSONObject<Key: CodingKey> {
    enum Value {
        case string(String), int(Int), bool(Bool), strings([String])
    }

    private(set) var fields: [(key: Key, value: Value)] = []

    mutating func add(_ key: Key, _ value: String?) {
        if let value { fields.append((key, .string(value))) }
    }

    mutating func add(_ key: Key, _ value: Int?) {
        if let value { fields.append((key, .int(value))) }
    }

    mutating func add(_ key: Key, _ value: Bool) {
        if value { fields.append((key, .bool(true))) }
    }

    mutating func add(_ key: Key, _ value: [String]) {
        if !value.isEmpty { fields.append((key, .strings(value))) }
    }

    /// Writes the fields into a keyed container (the `Encodable` path).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in fields {
            switch value {
            case .string(let string): try container.encode(string, forKey: key)
            case .int(let int): try container.encode(int, forKey: key)
            case .bool(let bool): try container.encode(bool, forKey: key)
            case .strings(let strings): try container.encode(strings, forKey: key)
            }
        }
    }

    /// The object on one line, keys in order: `{"type":"action","text":"…","line":3}`.
    var jsonLine: String {
        "{" + fields.map { "\(Self.quoted($0.key.stringValue)):\(Self.json($0.value))" }.joined(separator: ",") + "}"
    }

    private static func json(_ value: Value) -> String {
        switch value {
        case .string(let string): quoted(string)
        case .int(let int): String(int)
        case .bool(let bool): String(bool)
        case .strings(let strings): "[" + strings.map(quoted).joined(separator: ",") + "]"
        }
    }

    /// A JSON string literal; non-ASCII text (Chinese names, curly quotes) stays readable rather than `\u`-escaped.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
