/// One `Key: value` entry of a Fountain title page, or the episode number and title of a prose script.
///
/// Values may span lines (indented continuation lines in Fountain); `value` is plain text, `rawValue` keeps the
/// emphasis markers as written. Encoded as `{"key":"Title","value":"Spring Festival","line":1}`.
public struct TitlePageField: Sendable, Hashable, Codable {
    public var key: String
    public var value: String
    public var rawValue: String
    /// The 1-based source line of the key.
    public var line: Int

    public init(key: String, value: String, rawValue: String? = nil, line: Int) {
        self.key = key
        self.value = value
        self.rawValue = rawValue ?? value
        self.line = line
    }

    enum CodingKeys: String, CodingKey {
        case key, value, line, rawValue = "raw_value"
    }

    var jsonObject: OrderedJSONObject<CodingKeys> {
        var object = OrderedJSONObject<CodingKeys>()
        object.add(.key, key)
        object.add(.value, value)
        object.add(.line, line)
        object.add(.rawValue, rawValue == value ? nil : rawValue)
        return object
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonObject.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            key: try container.decode(String.self, forKey: .key), value: try container.decode(String.self, forKey: .value),
            rawValue: try container.decodeIfPresent(String.self, forKey: .rawValue),
            line: try container.decode(Int.self, forKey: .line))
    }
}
