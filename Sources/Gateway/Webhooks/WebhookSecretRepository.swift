import Foundation
import HolySheepCore
import SQLKit

/// Each key's Standard Webhooks signing secret, created on first use.
///
/// The secret is stored as is (`whsec_…`): signing needs the HMAC key itself, so unlike API keys it cannot be kept
/// as a hash. Protect the storage (file permissions, database credentials, backups) as you protect the provider
/// API keys.
public struct WebhookSecretRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    /// The key's secret, created (and kept) if it has none yet. Concurrent callers get the same secret.
    public func secret(keyID: String) async throws -> WebhookSecret {
        try await Self.secret(keyID: keyID, on: store.database)
    }

    /// Replaces the key's secret; deliveries signed from now on use the new one.
    public func rotate(keyID: String) async throws -> WebhookSecret {
        let secret = WebhookSecret.generate()
        try await store.database.raw(
            """
            INSERT INTO webhook_secrets (key_id, secret, created_at) VALUES (\(bind: keyID), \(bind: secret.value), \(bind: Clock.unixMilliseconds()))
            ON CONFLICT (key_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
            """
        ).run()
        return secret
    }

    static func secret(keyID: String, on database: any SQLDatabase) async throws -> WebhookSecret {
        try await database.raw(
            """
            INSERT INTO webhook_secrets (key_id, secret, created_at) VALUES (\(bind: keyID), \(bind: WebhookSecret.generate().value), \(bind: Clock.unixMilliseconds()))
            ON CONFLICT (key_id) DO NOTHING
            """
        ).run()
        guard let row = try await database.select().column("secret").from("webhook_secrets").where("key_id", .equal, keyID).first() else {
            throw StorageError("the webhook secret of key \(keyID) vanished while it was being created")
        }
        do {
            return try WebhookSecret(try row.decode(column: "secret", as: String.self))
        } catch let error as WebhookError {
            throw StorageError("the stored webhook secret of key \(keyID) is damaged (\(error.code)); rotate it with `holysheep keys webhook-secret \(keyID) --rotate`")
        }
    }
}
