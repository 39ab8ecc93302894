import Foundation
import Synchronization
import NIOPosix
import Testing

@testable import Gateway

/// The bookkeeping threads' scheduling: the background thread and SQLite's threads ask for the kernel's longest time
/// slice, so request threads that wake up preempt their work; other threads keep the default slice.
@Suite(.enabled(if: ThreadSliceSupport.kernelTakesSlices, "needs custom time slices: Linux 6.12 or later"))
struct BackgroundSchedulingTests {
    @Test func theBackgroundThreadRunsWithTheLongestSliceAndDoesNotPassItOn() async throws {
        let (own, started) = await BackgroundExecutor.run { (ThreadSlice.current, ThreadSliceSupport.onNewThread { ThreadSlice.current }) }
        #expect(own == BackgroundExecutor.slice)
        // A thread that happens to be started from it (a Dispatch worker, say) starts with the default.
        #expect(started != nil && started != BackgroundExecutor.slice)
    }

    @Test func sqliteThreadsRunAsTheBackgroundThreadWhenTheGatewayOpensStorage() async throws {
        let url = try await TestStorage.freshURL(.sqlite)
        let gateway = try await SQLStore.open(
            url, logger: TestStorage.logger, eventLoopGroup: BackgroundExecutor.shared.loop, startThreads: BackgroundExecutor.startThreads)
        let pool = try #require(gateway.threadPool)
        for _ in 0..<4 {  // the pool has two threads; either may answer
            #expect(try await pool.runIfActive { ThreadSlice.current } == BackgroundExecutor.slice)
        }
        await gateway.close()
        // The background thread passes its slice on only while it starts them.
        let startedLater = await BackgroundExecutor.run { ThreadSliceSupport.onNewThread { ThreadSlice.current } }
        #expect(startedLater != nil && startedLater != BackgroundExecutor.slice)

        // Without the setup (the CLI's case), SQLite's threads keep the default slice.
        let plain = try await SQLStore.open(url, logger: TestStorage.logger)
        let slice = try await #require(plain.threadPool).runIfActive { ThreadSlice.current }
        #expect(slice != nil && slice != BackgroundExecutor.slice)
        await plain.close()
    }
}

enum ThreadSliceSupport {
    /// Whether this kernel takes custom slices, asked on a throwaway thread.
    static let kernelTakesSlices = onNewThread { ThreadSlice.request(.milliseconds(5), inherited: false) }

    /// `body`'s result on a new thread started from the calling thread (which waits for it).
    static func onNewThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.withLock { $0 = body() }
            done.signal()
        }.start()
        done.wait()
        return result.withLock { $0! }
    }
}
