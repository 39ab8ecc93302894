import Foundation
import HolySheepCore
import Logging
import ServiceLifecycle
import Synchronization

/// Every API key, in memory, for the request path: a lookup is a dictionary read under a short lock, never a
/// database round trip.
///
/// As a `Service` it polls storage every ``pollInterval`` for keys changed since the last revision it saw, so a
/// key created or revoked by another process (the CLI, another instance) takes effect here within that interval.
public final class KeyDirectory: Service, Sendable {
    public static let defaultPollInterval: Duration = .milliseconds(250)

    private struct State {
        var byDigest: [APIKeySecret.Digest: APIKeyRecord] = [:]
        var revision: Int64 = 0
    }

    private let state = Mutex(State())
    private let repository: APIKeyRepository
    private let pollInterval: Duration
    private let logger: Logger

    public init(repository: APIKeyRepository, pollInterval: Duration = KeyDirectory.defaultPollInterval, logger: Logger) {
        self.repository = repository
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// The key whose digest is `digest`, if any (revoked keys included: the caller says why it is refused).
    @inline(__always)
    public func key(for digest: APIKeySecret.Digest) -> APIKeyRecord? {
        state.withLock { $0.byDigest[digest] }
    }

    public var count: Int { state.withLock { $0.byDigest.count } }

    /// Loads what changed in storage since the last refresh.
    public func refresh() async throws {
        let since = state.withLock { $0.revision }
        let changed = try await repository.changes(after: since)
        guard !changed.isEmpty else { return }
        state.withLock { state in
            for record in changed {
                state.byDigest[record.digest] = record
                state.revision = max(state.revision, record.revision)
            }
        }
        logger.debug("key directory refreshed", metadata: ["changed": "\(changed.count)", "revision": "\(changed.last!.revision)"])
    }

    public func run() async throws {
        try await refresh()
        // Key polling has nothing to drain: on graceful shutdown it simply stops.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.pollInterval)
                do {
                    try await self.refresh()
                } catch {
                    self.logger.warning("could not refresh API keys from storage; serving the last known keys", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
