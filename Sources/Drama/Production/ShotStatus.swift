import Foundation

/// Where one shot's clip is: `pending` → `submitted` (a job exists) → `completed`, or `failed`.
///
/// Encoded as `{"status": "submitted", "job_id": "vgen_…", "idempotency_key": "…"}` and so on.
public enum ShotStatus: Sendable, Hashable, Codable {
    case pending
    /// A job was accepted: a resumed run polls it and never submits again.
    case submitted(jobID: String, idempotencyKey: String)
    /// The clip is in the folder; `costCNY` is what its job was charged.
    case completed(file: String, seconds: Double, costCNY: Decimal, jobID: String)
    /// Gave up after `attempts`; `regenerate` (or a new run) tries again.
    case failed(error: String, attempts: Int)

    public var name: String {
        switch self {
        case .pending: "pending"
        case .submitted: "submitted"
        case .completed: "completed"
        case .failed: "failed"
        }
    }

    enum CodingKeys: String, CodingKey {
        case status, jobID = "job_id", idempotencyKey = "idempotency_key", file, seconds, costCNY = "cost_cny", error, attempts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .status) {
        case "pending": self = .pending
        case "submitted":
            self = .submitted(
                jobID: try container.decode(String.self, forKey: .jobID),
                idempotencyKey: try container.decode(String.self, forKey: .idempotencyKey))
        case "completed":
            self = .completed(
                file: try container.decode(String.self, forKey: .file), seconds: try container.decode(Double.self, forKey: .seconds),
                costCNY: try container.decode(Decimal.self, forKey: .costCNY), jobID: try container.decode(String.self, forKey: .jobID))
        case "failed":
            self = .failed(error: try container.decode(String.self, forKey: .error), attempts: try container.decode(Int.self, forKey: .attempts))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "unknown shot status \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .status)
        switch self {
        case .pending: break
        case .submitted(let jobID, let key):
            try container.encode(jobID, forKey: .jobID)
            try container.encode(key, forKey: .idempotencyKey)
        case .completed(let file, let seconds, let cost, let jobID):
            try container.encode(file, forKey: .file)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(cost, forKey: .costCNY)
            try container.encode(jobID, forKey: .jobID)
        case .failed(let error, let attempts):
            try container.encode(error, forKey: .error)
            try container.encode(attempts, forKey: .attempts)
        }
    }
}
