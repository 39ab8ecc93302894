/// An `http://` or `https://` URL split the way an HTTP/1.1 client needs it: the origin to connect to (scheme,
/// host, port), the `Host` header and the request target. Parsed once, when a provider's base URL is read.
///
/// Deliberately narrow: no user info (`user:pass@` would put a secret in a log line), no fragment, and only the
/// two schemes an upstream can speak.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// Where a connection goes; connections are pooled per origin.
    public struct Origin: Sendable, Hashable {
        public let tls: Bool
        /// A name, an IPv4 literal or an IPv6 literal without brackets.
        public let host: String
        public let port: Int

        public init(tls: Bool, host: String, port: Int) {
            self.tls = tls
            self.host = host
            self.port = port
        }
    }

    public let origin: Origin
    /// The `Host` header: the authority as written (`[::1]:8080`, `api.openai.com`).
    public let hostHeader: String
    /// Path and query, always starting with `/`.
    public let target: String

    /// - Returns: nil unless `string` is an absolute http(s) URL with a host (and a port in 1…65535 if given).
    public init?(_ string: String) {
        let tls: Bool
        let rest: Substring
        if string.hasPrefix("https://") {
            tls = true
            rest = string.dropFirst(8)
        } else if string.hasPrefix("http://") {
            tls = false
            rest = string.dropFirst(7)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains(where: \.isWhitespace) else { return nil }
        var path = rest[authorityEnd...]
        if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
        guard !path.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }

        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        var port = tls ? 443 : 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        guard !host.isEmpty else { return nil }
        self.origin = Origin(tls: tls, host: String(host), port: port)
        self.hostHeader = String(authority)
        self.target = path.first == "/" ? String(path) : "/" + path
    }

    private init(origin: Origin, hostHeader: String, target: String) {
        self.origin = origin
        self.hostHeader = hostHeader
        self.target = target
    }

    /// This URL with `suffix` (`/chat/completions`, `/v1beta/models/x:generateContent?alt=sse`) added to its path.
    public func appending(_ suffix: String) -> HTTPURL {
        let base = target.hasSuffix("/") && suffix.hasPrefix("/") ? String(target.dropLast()) : target
        return HTTPURL(origin: origin, hostHeader: hostHeader, target: base == "/" && suffix.hasPrefix("/") ? suffix : base + suffix)
    }

    public var description: String { (origin.tls ? "https://" : "http://") + hostHeader + target }
}
