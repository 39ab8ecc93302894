import Dispatch
import Foundation
import HolySheepCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides whether a `callback_url` may be called: `http` or `https`, a host, no user info, and, unless the operator
/// set `webhooks.allow_private_targets`, every address the host resolves to is public unicast (no loopback,
/// private, link-local — the cloud metadata service — CGNAT, multicast or reserved address). Checked when a job is
/// submitted and again before each delivery, since DNS answers change.
public struct CallbackTargetPolicy: Sendable {
    /// `webhooks.allow_private_targets`.
    public var allowPrivateTargets: Bool

    public init(allowPrivateTargets: Bool) {
        self.allowPrivateTargets = allowPrivateTargets
    }

    /// A callback URL that passed the check, with the addresses its host resolved to.
    public struct Target: Sendable, Equatable {
        public let url: URL
        public let host: String
        public let addresses: [IPAddress]
    }

    /// Checks `callbackURL`, resolving its host unless it is an address literal.
    /// - Throws: `APIError` 400 `invalid_callback_url` naming what is wrong, and for a refused address the host, the
    ///   address and the setting that would allow it.
    public func check(_ callbackURL: String) async throws(APIError) -> Target {
        let (url, host) = try Self.parse(callbackURL)
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            do {
                addresses = try await Self.resolve(host)
            } catch {
                throw APIError(
                    status: 400, type: "invalid_request_error", code: "callback_host_unresolvable",
                    message: "The callback_url host \(host) could not be resolved (\(error.description)). Check the host name.",
                    param: "callback_url")
            }
        }
        if !allowPrivateTargets, let refused = addresses.first(where: { !$0.isPublicUnicast }) {
            let via = IPAddress(host) == nil ? "\(host) resolves to \(refused), which" : host
            throw APIError(
                status: 400, type: "invalid_request_error", code: "callback_target_forbidden",
                message: "The callback_url host \(via) is not a public internet address (it is \(refused.scope.rawValue)); "
                    + "callbacks go only to public addresses. Use a public host, or ask the operator to set `webhooks.allow_private_targets: true` "
                    + "(for receivers on the operator's own network).",
                param: "callback_url")
        }
        return Target(url: url, host: host, addresses: addresses)
    }

    static func parse(_ text: String) throws(APIError) -> (URL, String) {
        func invalid(_ problem: String) -> APIError {
            APIError(
                status: 400, type: "invalid_request_error", code: "invalid_callback_url",
                message: "The callback_url \(problem). Give an absolute http:// or https:// URL such as https://example.com/hooks/video.",
                param: "callback_url")
        }
        guard let components = URLComponents(string: text), let url = components.url else { throw invalid("is not a valid URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw invalid("uses the scheme \(components.scheme.map { "`\($0)`" } ?? "(none)"); only http and https are called")
        }
        guard components.user == nil, components.password == nil else {
            throw invalid("carries a user name or password; put credentials in the path or a query parameter, or rely on the webhook signature")
        }
        var host = components.percentEncodedHost ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.removingPercentEncoding ?? host
        guard !host.isEmpty else { throw invalid("has no host") }
        return (url, host)
    }

    struct ResolutionError: Error, CustomStringConvertible {
        let description: String
    }

    /// The addresses `getaddrinfo` gives for `host`, looked up on a global dispatch queue (it blocks).
    static func resolve(_ host: String) async throws(ResolutionError) -> [IPAddress] {
        let result: Result<[IPAddress], ResolutionError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: getAddresses(host)) }
        }
        return try result.get()
    }

    private static func getAddresses(_ host: String) -> Result<[IPAddress], ResolutionError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(ResolutionError(description: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var node = list
        while let entry = node?.pointee {
            node = entry.ai_next
            guard let socketAddress = entry.ai_addr else { continue }
            let address: IPAddress?
            switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { IPAddress(bytes: $0) }
                }
            case AF_INET6:
                address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(bytes: $0) }
                }
            default: address = nil
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        return addresses.isEmpty ? .failure(ResolutionError(description: "no IPv4 or IPv6 address")) : .success(addresses)
    }
}
