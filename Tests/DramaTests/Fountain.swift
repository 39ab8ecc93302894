import Foundation
@testable import Drama

/// Test helpers: parse a Fountain snippet and look at its elements without notes.
enum Fountain {
    static func parse(_ text: String) throws -> Screenplay {
        try Screenplay(parsing: text, format: .fountain)
    }

    /// The elements of `text` as `(kind, text)` pairs, in order.
    static func elements(_ text: String) throws -> [Pair] {
        try parse(text).elements.map { Pair($0.kind, $0.text) }
    }

    struct Pair: Equatable, CustomStringConvertible {
        var kind: ScreenplayElement.Kind
        var text: String
        init(_ kind: ScreenplayElement.Kind, _ text: String) {
            self.kind = kind
            self.text = text
        }
        var description: String { "\(kind.name): \(text.debugDescription)" }
    }

    /// The folder of example scripts at the repository root (symbolic links resolved, for packages that link
    /// this test folder in).
    static let examples = URL(filePath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .appending(path: "../../examples").standardized
}
