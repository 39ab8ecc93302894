import Foundation
import Media
import Synchronization
@testable import Drama

/// A ``ClipSource`` that renders previz clips locally, like the platform's sandbox, and counts what it is asked:
/// submits per idempotency key, jobs created (a repeated key returns its job), renders per job.
final class PrevizClipSource: ClipSource {
    struct Counts {
        var submitsPerKey: [String: Int] = [:]
        var jobsPerShot: [String: [String]] = [:]
        var rendersPerJob: [String: Int] = [:]
        var finished = 0
        var started = 0
        var rateLimited = 0
    }

    let renderer: PrevizRenderer
    let format = VideoFormat(resolution: .p720)
    let counts = Mutex(Counts())
    /// `finish` calls after this many wait until cancelled (a run killed mid-way).
    let hangAfter: Int?
    /// Job ids whose first `finish` ends as a failed job.
    let failingJobs: Mutex<Set<String>>

    /// The next `remaining` submits answer `429` with this `Retry-After`.
    let rateLimit: Mutex<(remaining: Int, retryAfter: Duration)>

    init(hangAfter: Int? = nil, failingJobs: Set<String> = [], rateLimited: Int = 0, retryAfter: Duration = .milliseconds(300)) throws {
        rateLimit = Mutex((rateLimited, retryAfter))
        renderer = PrevizRenderer(ffmpeg: try FFmpegTool.locate(.ffmpeg), threads: 1, showsTimer: false)
        self.hangAfter = hangAfter
        self.failingJobs = Mutex(failingJobs)
    }

    func submit(_ shot: Shot, idempotencyKey: String) async throws -> String {
        if let retryAfter = rateLimit.withLock({ limit -> Duration? in
            guard limit.remaining > 0 else { return nil }
            limit.remaining -= 1
            return limit.retryAfter
        }) {
            counts.withLock { $0.rateLimited += 1 }
            throw ClipRateLimited(retryAfter: retryAfter)
        }
        let jobID = "job-\(idempotencyKey)"
        counts.withLock { counts in
            counts.submitsPerKey[idempotencyKey, default: 0] += 1
            if counts.submitsPerKey[idempotencyKey] == 1 { counts.jobsPerShot[shot.id, default: []].append(jobID) }
        }
        return jobID
    }

    func finish(jobID: String, shot: Shot, to file: URL) async throws -> ClipResult {
        let order = counts.withLock { counts in
            counts.started += 1
            return counts.started
        }
        if let hangAfter, order > hangAfter {
            try await Task.sleep(for: .seconds(3600))
        }
        if failingJobs.withLock({ $0.remove(jobID) != nil }) { throw ClipJobFailure(jobID: jobID, message: "upstream said no") }
        try await renderer.render(
            PrevizShot(text: shot.prompt.isEmpty ? shot.description : shot.prompt, cameraNote: shot.cameraNote, emotionTone: shot.emotionTone,
                       durationSeconds: shot.durationSeconds, format: format, title: shot.id),
            to: file)
        counts.withLock {
            $0.rendersPerJob[jobID, default: 0] += 1
            $0.finished += 1
        }
        return ClipResult(seconds: Double(shot.durationSeconds), costCNY: Decimal(shot.durationSeconds) * Decimal(string: "0.05")!)
    }
}

extension Storyboard {
    /// `count` one-second shots in two scenes, each with a line of dialogue.
    static func short(_ count: Int, seconds: Int = 1) -> Storyboard {
        Storyboard(title: "Test", shots: (1...count).map { index in
            let scene = index <= count / 2 ? 1 : 2
            return Shot(
                id: Shot.id(scene: scene, number: index), sceneNumber: scene, description: "Shot number \(index).", cameraNote: "wide",
                characters: ["MEI"], dialogue: [.init(speaker: "MEI", text: index.isMultiple(of: 2) ? "你终于来了。" : "Happy New Year, Grandpa!")],
                emotionTone: ["warm", "tense", "sad"][index % 3], durationSeconds: seconds)
        })
    }
}
