import Foundation

/// An error from the media tooling, with a message that says what went wrong and what to do about it.
///
/// Match on ``kind`` to tell errors apart; new kinds may be added without breaking callers:
///
/// ```swift
/// do { try await renderer.render(shot, to: url) }
/// catch let error as MediaError where error.kind == .toolNotFound { print(error.message) }
/// ```
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The family of a ``MediaError``.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case toolNotFound, toolFailed, invalidArgument, unreadableMedia, incompatibleClips, fontNotFound, fileSystem
        }

        private let code: Code

        /// `ffmpeg`, `ffprobe` or `fc-match` could not be found or started.
        public static let toolNotFound = Kind(code: .toolNotFound)
        /// A tool ran and exited with a non-zero status.
        public static let toolFailed = Kind(code: .toolFailed)
        /// A value given by the caller is out of range or malformed.
        public static let invalidArgument = Kind(code: .invalidArgument)
        /// A media file could not be read or lacks an expected stream.
        public static let unreadableMedia = Kind(code: .unreadableMedia)
        /// Clips cannot be joined by stream copy because their codec parameters differ.
        public static let incompatibleClips = Kind(code: .incompatibleClips)
        /// No usable font is installed.
        public static let fontNotFound = Kind(code: .fontNotFound)
        /// A file could not be written, moved or removed.
        public static let fileSystem = Kind(code: .fileSystem)

        public var description: String { code.rawValue }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// What went wrong and how to remedy it.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }
}

extension MediaError {
    static func toolFailed(command: [String], status: Int32, stderrTail: String) -> MediaError {
        let tail = stderrTail.trimmingCharacters(in: .whitespacesAndNewlines)
        return MediaError(
            .toolFailed,
            "`\(command.joined(separator: " "))` exited with status \(status)"
                + (tail.isEmpty ? " and printed nothing." : ". Its last output:\n\(tail)\n")
                + " Check the input files and arguments; run the command by hand to reproduce it.")
    }

    static func invalidArgument(_ name: String, _ value: String, allowed: [String]) -> MediaError {
        MediaError(
            .invalidArgument,
            "\(name) \"\(value)\" is not supported. Allowed values: \(allowed.joined(separator: ", ")).")
    }
}
