import Crypto
import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of the HMAC key.
///
/// The Standard Webhooks specification 1.0.0 ("Signature scheme": symmetric signatures,
/// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md) asks for a random
/// key of 24 to 64 bytes; ``generate()`` draws 32.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "whsec_"
    /// The key sizes the specification allows, in bytes.
    public static let keySizes = 24...64

    let key: SymmetricKey

    /// A new secret of 32 random bytes.
    public static func generate() -> WebhookSecret {
        WebhookSecret(key: SymmetricKey(size: .bits256))
    }

    /// Parses a secret as shown to users (`whsec_…`). The bare base64 is accepted too, as the specification's
    /// reference libraries accept it.
    /// - Throws: ``WebhookError/Code/invalidSecret`` saying what is wrong with it (never echoing it).
    public init(_ text: String) throws(WebhookError) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Data(base64Encoded: encoded) else {
            throw WebhookError(
                .invalidSecret,
                "The webhook secret is not `whsec_` followed by base64 text. Copy the whole secret (it looks like "
                    + "`whsec_` and 44 characters) from where it was shown when the key was created.")
        }
        guard Self.keySizes.contains(bytes.count) else {
            throw WebhookError(
                .invalidSecret,
                "The webhook secret decodes to \(bytes.count) bytes; a Standard Webhooks secret has 24 to 64. Check that it was copied whole.")
        }
        key = SymmetricKey(data: bytes)
    }

    init(key: SymmetricKey) {
        self.key = key
    }

    /// The secret as shown to users: `whsec_` and base64. Treat it as a password.
    public var value: String {
        Self.prefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Never prints the secret itself, so it cannot leak through logging or string interpolation.
    public var description: String { "WebhookSecret(whsec_…)" }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.key == rhs.key }
}
