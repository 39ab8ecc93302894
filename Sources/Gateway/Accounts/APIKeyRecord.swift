import Foundation
import HolySheepCore

/// What the gateway knows about an API key. Never holds the key itself, only its digest.
public struct APIKeyRecord: Sendable, Equatable {
    public let id: String
    public let digest: APIKeySecret.Digest
    /// The key's first 12 characters, safe to show.
    public let prefix: String
    public var label: String
    public var owner: String?
    public var sandbox: Bool
    /// Public model names the key may use; nil means every model.
    public var models: [String]?
    public var rpm: Int?
    public var tpm: Int?
    public var videoConcurrency: Int?
    public var monthlyBudgetCNY: Decimal?
    public var expiresAt: Date?
    public var revoked: Bool
    public var revokedAt: Date?
    public let createdAt: Date
    public var revision: Int64

    /// Whether this key may call `model`.
    @inline(__always)
    public func allows(model: String) -> Bool {
        guard let models else { return true }
        return models.contains(model)
    }
}

extension APIKeyRecord {
    /// A new key id: `key_` and 16 base62 characters.
    static func newID() -> String { "key_" + Base62.random(count: 16) }
}
