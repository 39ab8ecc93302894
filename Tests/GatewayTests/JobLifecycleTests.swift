import Testing
@testable import Gateway

@Suite struct JobLifecycleTests {
    @Test func happyPath_goesQueuedProcessingCompleted() throws {
        var job = JobLifecycle()
        try job.apply(.claim)
        #expect(job.status == .processing)
        try job.apply(.complete)
        #expect(job.status == .completed && job.status.isTerminal)
    }

    @Test(arguments: [JobLifecycle.Status.queued, .processing])
    func cancel_isAllowedBeforeTheEnd(from status: JobLifecycle.Status) throws {
        var job = JobLifecycle(status: status)
        try job.apply(.cancel)
        #expect(job.status == .cancelled)
    }

    @Test(arguments: [JobLifecycle.Status.completed, .failed, .cancelled])
    func anEndedJob_takesNoFurtherEvent(status: JobLifecycle.Status) {
        for event in [JobLifecycle.Event.claim, .leaseExpired, .complete, .fail, .cancel] {
            var job = JobLifecycle(status: status)
            #expect(throws: JobLifecycle.InvalidTransition.self) { try job.apply(event) }
            #expect(job.status == status)
        }
    }

    @Test func expiredLease_putsTheJobBackInTheQueue() throws {
        var job = JobLifecycle(status: .processing)
        try job.apply(.leaseExpired)
        #expect(job.status == .queued)
        try job.apply(.claim)
        #expect(job.status == .processing)
    }

    @Test func aQueuedJob_cannotCompleteOrFailWithoutAWorker() {
        #expect(JobLifecycle.next(.queued, on: .complete) == nil)
        #expect(JobLifecycle.next(.queued, on: .fail) == nil)
        #expect(JobLifecycle.next(.queued, on: .leaseExpired) == nil)
    }
}
