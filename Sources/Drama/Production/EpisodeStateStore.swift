import Foundation
import Synchronization

/// The episode's ``EpisodeState`` shared by the producer's tasks: every change is applied under a lock and saved to
/// `state.json` atomically (temporary file + rename) before the lock is released, so the file always holds the
/// latest state and a run killed at any point loses nothing that was acknowledged.
final class EpisodeStateStore: Sendable {
    let file: URL
    private let state: Mutex<EpisodeState>

    init(_ initial: EpisodeState, file: URL) {
        self.file = file
        self.state = Mutex(initial)
    }

    var current: EpisodeState { state.withLock { $0 } }

    func record(_ shotID: String) -> ShotRecord? { state.withLock { $0[shotID] } }

    /// Applies `change` to one shot's record and saves.
    @discardableResult
    func update(_ shotID: String, _ change: (inout ShotRecord) -> Void) throws -> ShotRecord? {
        try state.withLock { state in
            guard var record = state[shotID] else { return nil }
            change(&record)
            state[shotID] = record
            try AtomicFile.write(state, to: file)
            return record
        }
    }

    func save() throws {
        try state.withLock { try AtomicFile.write($0, to: file) }
    }
}
