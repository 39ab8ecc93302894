import Logging
import ServiceLifecycle
import SQLKit
import Synchronization

/// Collects usage records from the request path and writes them to storage in batches, off that path.
///
/// ``record(_:)`` only appends to an in-memory buffer. As a `Service`, the recorder flushes every
/// ``flushInterval`` (or sooner when ``batchSize`` records wait), and once more after graceful shutdown began,
/// so SIGTERM loses nothing. Inserts are keyed by request id and ignore duplicates: a batch retried after a
/// failure is never written twice. If storage is down, records stay buffered (up to ``capacity``) and are retried.
public final class UsageRecorder: Service, Sendable {
    public static let batchSize = 500
    public static let capacity = 1_000_000

    private let buffer = Mutex<[UsageRecord]>([])
    private let store: SQLStore
    private let flushInterval: Duration
    private let logger: Logger
    private let dropped = Atomic<Int>(0)

    public init(store: SQLStore, flushInterval: Duration = .milliseconds(200), logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// Queues a record for the next batch. Never blocks on storage.
    public func record(_ record: UsageRecord) {
        let overflow = buffer.withLock { buffer -> Bool in
            guard buffer.count < Self.capacity else { return true }
            buffer.append(record)
            return false
        }
        if overflow {
            dropped.add(1, ordering: .relaxed)
        }
    }

    public var pendingCount: Int { buffer.withLock { $0.count } }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.flushInterval)
                await self.flush()
            }
        }
        // Graceful shutdown: the HTTP server has drained by now (it stops first); write what is left.
        await flush(retries: 5)
    }

    /// Writes everything buffered, in batches.
    public func flush(retries: Int = 0) async {
        var attempt = 0
        while true {
            let batch = buffer.withLock { buffer -> [UsageRecord] in
                let batch = Array(buffer.prefix(Self.batchSize))
                buffer.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { break }
            do {
                try await store.database.insert(into: "usage_records").models(batch, nilEncodingStrategy: .asNil).ignoringConflicts(with: ["request_id"]).run()
            } catch {
                buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
                logger.error("could not write usage records; they stay buffered and will be retried", metadata: [
                    "records": "\(batch.count)", "error": "\(String(reflecting: error))",
                ])
                attempt += 1
                guard attempt <= retries else { break }
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        let lost = dropped.exchange(0, ordering: .relaxed)
        if lost > 0 {
            logger.critical("usage buffer full: storage has been unreachable too long; records were not kept", metadata: ["records": "\(lost)"])
        }
    }
}
