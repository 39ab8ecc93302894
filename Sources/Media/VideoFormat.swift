/// A frame size named the way the video API names it: a resolution (`720p`, `1080p`, `4k`) and an aspect ratio
/// (`9:16` by default, the short-drama format).
///
/// The resolution names the **short** side, so orientation follows the aspect ratio:
///
/// | | 9:16 | 16:9 | 1:1 | 4:3 | 3:4 | 21:9 |
/// |---|---|---|---|---|---|---|
/// | 720p | 720×1280 | 1280×720 | 720×720 | 960×720 | 720×960 | 1680×720 |
/// | 1080p | 1080×1920 | 1920×1080 | 1080×1080 | 1440×1080 | 1080×1440 | 2520×1080 |
/// | 4k | 2160×3840 | 3840×2160 | 2160×2160 | 2880×2160 | 2160×2880 | 5040×2160 |
///
/// ```swift
/// let format = try VideoFormat(resolution: "1080p", aspectRatio: "16:9")   // 1920×1080
/// ```
public struct VideoFormat: Sendable, Hashable, CustomStringConvertible {
    /// The size of the short side.
    public enum Resolution: String, Sendable, CaseIterable {
        case p720 = "720p"
        case p1080 = "1080p"
        case uhd4k = "4k"

        /// The short side in pixels.
        public var shortSide: Int {
            switch self {
            case .p720: 720
            case .p1080: 1080
            case .uhd4k: 2160
            }
        }
    }

    /// Width to height.
    public enum AspectRatio: String, Sendable, CaseIterable {
        case portrait9x16 = "9:16"
        case landscape16x9 = "16:9"
        case square = "1:1"
        case landscape4x3 = "4:3"
        case portrait3x4 = "3:4"
        case cinema21x9 = "21:9"

        /// The ratio's two terms, width first.
        public var terms: (width: Int, height: Int) {
            switch self {
            case .portrait9x16: (9, 16)
            case .landscape16x9: (16, 9)
            case .square: (1, 1)
            case .landscape4x3: (4, 3)
            case .portrait3x4: (3, 4)
            case .cinema21x9: (21, 9)
            }
        }
    }

    public let resolution: Resolution
    public let aspectRatio: AspectRatio

    public init(resolution: Resolution, aspectRatio: AspectRatio = .portrait9x16) {
        self.resolution = resolution
        self.aspectRatio = aspectRatio
    }

    /// Parses the API's strings; a missing aspect ratio means `9:16`.
    /// - Throws: ``MediaError/Kind/invalidArgument`` listing the allowed values.
    public init(resolution: String, aspectRatio: String? = nil) throws {
        guard let parsedResolution = Resolution(rawValue: resolution.lowercased()) else {
            throw MediaError.invalidArgument("resolution", resolution, allowed: Resolution.allCases.map(\.rawValue))
        }
        guard let parsedRatio = AspectRatio(rawValue: aspectRatio ?? AspectRatio.portrait9x16.rawValue) else {
            throw MediaError.invalidArgument(
                "aspect_ratio", aspectRatio ?? "", allowed: AspectRatio.allCases.map(\.rawValue))
        }
        self.init(resolution: parsedResolution, aspectRatio: parsedRatio)
    }

    /// Width in pixels (even).
    public var width: Int { size.width }
    /// Height in pixels (even).
    public var height: Int { size.height }
    /// The shorter of width and height.
    public var shortSide: Int { resolution.shortSide }

    /// The short side is the resolution; the long side follows the ratio, rounded to an even number.
    private var size: (width: Int, height: Int) {
        let (w, h) = aspectRatio.terms
        let short = resolution.shortSide
        let long = Int((Double(short * max(w, h)) / Double(min(w, h)) / 2).rounded()) * 2
        return w >= h ? (long, short) : (short, long)
    }

    public var description: String { "\(resolution.rawValue) \(aspectRatio.rawValue) (\(width)×\(height))" }
}
