/// A problem with an episode that the user can fix: the message says how.
public struct DramaError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
