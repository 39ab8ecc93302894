import AsyncHTTPClient
import Foundation
import HolySheepCore

/// The HolySheep platform's API: chat completions from many providers, video generation jobs, and their webhooks.
///
/// ```swift
/// let client = try HolySheepClient(environment: ProcessInfo.processInfo.environment)
/// let answer = try await client.chat(ChatRequest(model: "deepseek-v3.2", messages: [.user("Hello")]))
/// print(answer.text ?? "")
/// ```
///
/// The client is a value: copy it freely and share it between tasks. Failed calls are retried per ``retry``.
public struct HolySheepClient: Sendable, CustomStringConvertible {
    /// `HOLYSHEEP_BASE_URL`'s default: a platform on this machine.
    public static let defaultBaseURL = URL(string: "http://127.0.0.1:8080/v1")!

    /// The API's base URL, ending in `/v1`.
    public let baseURL: URL
    public let retry: RetryOptions
    let apiKey: String
    let httpClient: HTTPClient

    /// - Parameters:
    ///   - baseURL: the platform's API root, such as `http://127.0.0.1:8080/v1`.
    ///   - apiKey: an `hs_live_…` or `hs_test_…` key.
    ///   - httpClient: the HTTP client to send requests with; by default ``sharedHTTPClient``.
    ///   - retry: when to send a failed request again.
    public init(baseURL: URL, apiKey: String, httpClient: HTTPClient = Self.sharedHTTPClient, retry: RetryOptions = .default) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.httpClient = httpClient
        self.retry = retry
    }

    /// A client set up from the environment: `HOLYSHEEP_BASE_URL` (default ``defaultBaseURL``) and
    /// `HOLYSHEEP_API_KEY` (required).
    /// - Throws: ``HolySheepError/Kind/configuration`` saying which variable is missing or wrong.
    public init(environment: [String: String], httpClient: HTTPClient = Self.sharedHTTPClient, retry: RetryOptions = .default) throws(HolySheepError) {
        guard let apiKey = environment["HOLYSHEEP_API_KEY"]?.trimmingCharacters(in: .whitespaces), !apiKey.isEmpty else {
            throw HolySheepError(
                .configuration,
                message: "HOLYSHEEP_API_KEY is not set. Set it to your `hs_live_…` or `hs_test_…` key; an operator creates one with "
                    + "`holysheep keys create --label NAME`.")
        }
        var baseURL = Self.defaultBaseURL
        if let text = environment["HOLYSHEEP_BASE_URL"], !text.isEmpty {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw HolySheepError(
                    .configuration, message: "HOLYSHEEP_BASE_URL is \(text.jsonQuoted), not an http(s) URL. Set it to the platform's API root, such as http://127.0.0.1:8080/v1.")
            }
            baseURL = url
        }
        self.init(baseURL: baseURL, apiKey: apiKey, httpClient: httpClient, retry: retry)
    }

    /// The process-wide HTTP client the SDK uses unless given another; it is never shut down.
    ///
    /// Unlike `HTTPClient.shared` (tuned like a browser), it fails a refused connection at once instead of retrying
    /// it inside the connection pool for up to 90 s, since ``RetryOptions`` decides about retries; it allows 10 s
    /// to connect and 10 minutes without a byte (a long completion sends nothing until it is done); and it follows no
    /// redirects, so the API key is only ever sent to ``baseURL``'s host.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .minutes(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Never shows the API key.
    public var description: String { "HolySheepClient(\(baseURL.absoluteString))" }
}
