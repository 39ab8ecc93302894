/// A video job's lifecycle as a plain state machine: `queued` → `processing` → `completed` | `failed` |
/// `cancelled`, cancellable from `queued` and `processing`. A worker whose lease expired hands the job back
/// (`processing` → `queued`). Storage applies the same transitions with conditional `UPDATE`s (see ``JobStore``);
/// this type is what they encode, checked without I/O.
public struct JobLifecycle: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable, Codable {
        case queued, processing, completed, failed, cancelled

        /// The job will not change any more.
        public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    public enum Event: Sendable, Equatable {
        /// A worker claimed the job.
        case claim
        /// The worker's lease expired before it finished: the job goes back to the queue.
        case leaseExpired
        case complete
        case fail
        case cancel
    }

    /// A transition that is not allowed from the current status.
    public struct InvalidTransition: Error, Equatable, CustomStringConvertible {
        public let from: Status
        public let event: Event
        public var description: String { "a \(from.rawValue) job cannot take \(event)" }
    }

    public private(set) var status: Status

    public init(status: Status = .queued) {
        self.status = status
    }

    /// The status after `event`, without changing anything; nil when `event` is not allowed.
    public static func next(_ status: Status, on event: Event) -> Status? {
        switch (status, event) {
        case (.queued, .claim): .processing
        case (.processing, .leaseExpired): .queued
        case (.processing, .complete): .completed
        case (.processing, .fail): .failed
        case (.queued, .cancel), (.processing, .cancel): .cancelled
        default: nil
        }
    }

    /// Applies `event`.
    /// - Throws: ``InvalidTransition`` when the job cannot take it (e.g. completing a cancelled job), leaving the
    ///   status unchanged: the job ends exactly once.
    public mutating func apply(_ event: Event) throws(InvalidTransition) {
        guard let next = Self.next(status, on: event) else { throw InvalidTransition(from: status, event: event) }
        status = next
    }
}
