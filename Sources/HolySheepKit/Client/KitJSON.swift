import Foundation

/// The SDK's JSON coders. Keys are spelled out in each type's `CodingKeys` (no key strategy, which would also
/// rewrite the keys inside free-form JSON such as a schema). Dates are read from Unix seconds (the API's
/// timestamps) or ISO 8601 text (a webhook event's `timestamp`).
enum KitJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try container.decode(String.self)
            for style in [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()] {
                if let date = try? Date(text, strategy: style) { return date }
            }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is neither Unix seconds nor an ISO 8601 date")
        }
        return decoder
    }()
}
