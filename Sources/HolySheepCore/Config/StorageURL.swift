/// Where the gateway keeps its state: `sqlite:PATH` or a `postgres://` / `postgresql://` URL.
public enum StorageURL: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public init?(_ text: String) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // sqlite:///abs/path
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            return nil
        }
    }

    /// The URL with any password replaced by `***`, for logs and messages.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", range: schemeEnd.upperBound..<url.endIndex) else { return url }
            let credentials = url[schemeEnd.upperBound..<at.lowerBound]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return url[..<colon] + ":***" + url[at.lowerBound...]
        }
    }
}
