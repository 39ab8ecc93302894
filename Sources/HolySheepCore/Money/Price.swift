import Foundation

/// A model's list price in USD, exact decimal (never floating point).
///
/// Chat models are priced per million tokens, input, output and cached input separately; video models per
/// second of video. A charge in CNY is the USD price times the platform rate.
public struct Price: Sendable, Equatable {
    public var inputPerMTok: Decimal?
    public var outputPerMTok: Decimal?
    /// Cached input tokens; when not configured they cost the input price.
    public var cachedInputPerMTok: Decimal?
    public var perSecond: Decimal?
    /// Video prices per second by resolution (`720p`, `1080p`, `4k`); a resolution not listed costs `perSecond`.
    public var perSecondByResolution: [String: Decimal] = [:]

    /// The resolutions a video price may name.
    public static let videoResolutions = ["720p", "1080p", "4k"]

    public init(
        inputPerMTok: Decimal? = nil, outputPerMTok: Decimal? = nil, cachedInputPerMTok: Decimal? = nil, perSecond: Decimal? = nil,
        perSecondByResolution: [String: Decimal] = [:]
    ) {
        self.inputPerMTok = inputPerMTok
        self.outputPerMTok = outputPerMTok
        self.cachedInputPerMTok = cachedInputPerMTok
        self.perSecond = perSecond
        self.perSecondByResolution = perSecondByResolution
    }

    /// USD per second of video at `resolution`; nil when this price names none for it (never a silent default).
    public func perSecond(resolution: String) -> Decimal? {
        perSecondByResolution[resolution] ?? perSecond
    }

    /// The effective cached-input price.
    public var effectiveCachedInputPerMTok: Decimal? { cachedInputPerMTok ?? inputPerMTok }
}

extension Decimal {
    /// Parses a plain decimal literal (`0.42`, `15`, `7.3`) exactly; rejects anything else.
    public init?(exactly text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var sawDigit = false
        var sawPoint = false
        for (offset, character) in trimmed.enumerated() {
            switch character {
            case "0"..."9": sawDigit = true
            case "." where !sawPoint: sawPoint = true
            case "-" where offset == 0: break
            default: return nil
            }
        }
        guard sawDigit, let value = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        self = value
    }

    /// The plain decimal text of the value (`0.42`), for JSON and reports.
    public var plainString: String {
        var value = self
        return NSDecimalString(&value, Locale(identifier: "en_US_POSIX"))
    }
}
