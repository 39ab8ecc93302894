@preconcurrency import AsyncKit
import Foundation
import HolySheepCore
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The gateway's SQL storage: one SQLKit layer over two engines, SQLite (the embedded default) and PostgreSQL.
///
/// Repositories write portable SQL through ``database``; ``transaction(_:)`` runs several statements on one
/// connection. Migrations run at ``open(_:logger:eventLoopGroup:)``.
public final class SQLStore: Sendable {
    public enum Engine: String, Sendable {
        case sqlite, postgres
    }

    public let engine: Engine
    /// A pooled database: each statement runs on some connection of the pool.
    public let database: any SQLDatabase
    private let pool: Pool
    private let logger: Logger
    /// SQLite's blocking calls run here, not on the shared pool: a connection waiting out another's write lock
    /// (busy timeout) must never take the thread the lock holder needs to commit.
    let threadPool: NIOThreadPool?
    private let threads: Threads
    static let sqliteThreadCount = 2

    /// How SQLite's threads start and stop: ``plain``, or scheduled by whoever opens the store.
    public struct Threads: Sendable {
        /// Starts the pool, which has `count` threads.
        let start: @Sendable (_ pool: NIOThreadPool, _ count: Int) async -> Void
        /// Runs before the pool stops.
        let stop: @Sendable (_ pool: NIOThreadPool) -> Void

        public static let plain = Threads(start: { pool, _ in pool.start() }, stop: { _ in })
    }

    private enum Pool: Sendable {
        case sqlite(EventLoopGroupConnectionPool<SQLiteTunedConnectionSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    private init(engine: Engine, database: any SQLDatabase, pool: Pool, threadPool: NIOThreadPool? = nil, threads: Threads = .plain, logger: Logger) {
        self.engine = engine
        self.threads = threads
        self.database = database
        self.pool = pool
        self.threadPool = threadPool
        self.logger = logger
    }

    /// Connects to the storage at `url` and brings its schema up to date.
    /// - Parameter threads: SQLite only: starts and stops SQLite's threads (the gateway schedules them as its background
    ///   thread: ``BackgroundExecutor/sqliteThreads``); by default they are plain threads.
    /// - Throws: ``StorageError`` when the storage cannot be opened or migrated.
    public static func open(
        _ url: StorageURL, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        threads: Threads = .plain
    ) async throws -> SQLStore {
        let store: SQLStore
        switch url {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: directory) else {
                throw StorageError("the folder \(directory) for the SQLite file \(path) does not exist; create it or choose another `storage.url`")
            }
            let threadPool = NIOThreadPool(numberOfThreads: Self.sqliteThreadCount)
            await threads.start(threadPool, Self.sqliteThreadCount)
            // One connection: SQLite runs one writer at a time anyway, and statements queue in the pool, not on threads.
            let source = SQLiteTunedConnectionSource(path: path, threadPool: threadPool)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(30), pruneInterval: nil, logger: logger,
                on: eventLoopGroup.next())
            store = SQLStore(
                engine: .sqlite, database: PooledSQLiteDatabase(pool: pool, logger: logger), pool: .sqlite(pool), threadPool: threadPool,
                threads: threads, logger: logger)
        case .postgres(let urlString):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: urlString)
            } catch {
                throw StorageError("the PostgreSQL URL \(url.redacted) is not valid: \(error)")
            }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration), maxConnectionsPerEventLoop: 4, pruneInterval: .seconds(60),
                logger: logger, on: eventLoopGroup)
            store = SQLStore(engine: .postgres, database: pool.database(logger: logger).sql(queryLogLevel: .trace), pool: .postgres(pool), logger: logger)
        }
        do {
            try await Migrations.run(on: store)
        } catch {
            await store.close()
            if let error = error as? StorageError { throw error }
            throw StorageError("cannot open \(url.redacted): \(String(reflecting: error))")
        }
        return store
    }

    /// Runs `body` on a single connection.
    public func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withRawConnection { database, _ in try await body(database) }
    }

    /// Runs `body` on a single connection; `close` closes that connection (the pool then replaces it).
    private func withRawConnection<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase, _ close: @escaping @Sendable () async -> Void) async throws -> R
    ) async throws -> R {
        switch pool {
        case .sqlite(let pool):
            let connection = try await pool.requestConnection(logger: logger).get()
            defer { pool.releaseConnection(connection, logger: logger) }
            return try await body(connection.sql(queryLogLevel: .trace)) { try? await connection.close().get() }
        case .postgres(let pool):
            let connection = try await pool.requestConnection(logger: logger).get()
            defer { pool.releaseConnection(connection, logger: logger) }
            return try await body(connection.sql(queryLogLevel: .trace)) { try? await connection.close().get() }
        }
    }

    /// Runs `body` in a transaction on one connection: committed if it returns, rolled back if it throws.
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so concurrent writers queue.
    /// If the rollback itself fails, the connection is closed: one left inside a transaction would keep its locks
    /// and fail every later `BEGIN`.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await inTransaction(begin: engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN", body)
    }

    /// Runs `body`'s reads against one snapshot of storage, so that what it reads in several statements agrees with
    /// itself whatever commits meanwhile (a report's rows and its totals). SQLite: a deferred transaction, whose first
    /// read fixes the snapshot (WAL); PostgreSQL: a read-only `REPEATABLE READ` transaction.
    public func snapshot<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await inTransaction(begin: engine == .sqlite ? "BEGIN DEFERRED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func inTransaction<R: Sendable>(begin: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let logger = logger
        return try await withRawConnection { database, close in
            try await database.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                // Shielded from cancellation (storage calls give up when their task is cancelled).
                await Task.detached {
                    do {
                        try await database.raw("ROLLBACK").run()
                    } catch {
                        logger.warning("rollback failed; closing the connection", metadata: ["error": "\(String(reflecting: error))"])
                        await close()
                    }
                }.value
                throw error
            }
        }
    }

    /// Closes every pooled connection.
    public func close() async {
        switch pool {
        case .sqlite(let pool): try? await pool.shutdownAsync()
        case .postgres(let pool): try? await pool.shutdownAsync()
        }
        if let threadPool {
            threads.stop(threadPool)
            try? await threadPool.shutdownGracefully()
        }
    }
}

extension SQLStore {
    /// Whether `error` is storage refusing the data itself (a constraint, a value it can't hold), as opposed to storage
    /// being unreachable, busy or slow: the same statement would fail again, however often it is retried.
    static func refusesData(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraint, .constraintCheckFailed, .constraintForeignKeyFailed, .constraintNotNullFailed, .constraintPrimaryKeyFailed,
                .constraintTriggerFailed, .constraintUniqueFailed, .constraintStrictDataTypeFailed, .constraintUserFunctionFailed,
                .mismatch, .tooBig, .range:
                return true
            default:
                return false
            }
        }
        // PostgreSQL's SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("22") || state.hasPrefix("23")
        }
        return false
    }
}

/// Storage failed in a way an operator can act on.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Opens SQLite connections tuned for a server that shares its file with CLI processes: WAL journal (readers never
/// block the writer), a busy timeout instead of immediate `SQLITE_BUSY`, and `synchronous=NORMAL` (safe with WAL).
struct SQLiteTunedConnectionSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    init(path: String, threadPool: NIOThreadPool) {
        base = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true), threadPool: threadPool)
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 10000").flatMap { _ in
                connection.query("PRAGMA journal_mode = WAL")
            }.flatMap { _ in
                connection.query("PRAGMA synchronous = NORMAL")
            }.map { _ in connection }
        }
    }
}

/// An `SQLDatabase` that runs each statement on a connection borrowed from the SQLite pool.
struct PooledSQLiteDatabase: SQLDatabase {
    let pool: EventLoopGroupConnectionPool<SQLiteTunedConnectionSource>
    let logger: Logger
    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { connection in
            connection.sql(queryLogLevel: .trace).execute(sql: query, onRow)
        }
    }
}
