/// A script that cannot be read, with the line to look at and a message that says what is wrong and what to do.
///
/// Compare with the static members: `#expect(throws: ScreenplayError.unterminatedNote(line: 7)) { … }`.
public struct ScreenplayError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case emptyScript, notUTF8, unterminatedBoneyard, unterminatedNote, noScenes
    }

    private let code: Code
    /// The 1-based source line the problem starts on, when there is one.
    public let line: Int?

    private init(_ code: Code, line: Int?) {
        self.code = code
        self.line = line
    }

    /// The script has no text at all.
    public static let emptyScript = ScreenplayError(.emptyScript, line: nil)

    /// The bytes are not UTF-8; `line` is where the first invalid byte is.
    public static func notUTF8(line: Int) -> ScreenplayError { ScreenplayError(.notUTF8, line: line) }

    /// A `/*` boneyard opened on `line` is never closed with `*/`.
    public static func unterminatedBoneyard(line: Int) -> ScreenplayError {
        ScreenplayError(.unterminatedBoneyard, line: line)
    }

    /// A `[[` note opened on `line` is never closed with `]]`.
    public static func unterminatedNote(line: Int) -> ScreenplayError { ScreenplayError(.unterminatedNote, line: line) }

    /// Nothing in the script could be read as a scene.
    public static let noScenes = ScreenplayError(.noScenes, line: nil)

    /// What is wrong and what to do about it.
    public var message: String {
        switch code {
        case .emptyScript:
            "The script is empty. Write at least one scene: a Fountain heading such as `INT. KITCHEN - NIGHT` followed "
                + "by action and dialogue, or a prose line such as `ACT 1: The family gathers for dinner.`"
        case .notUTF8:
            "The script is not UTF-8 text (the first invalid byte is on line \(line ?? 1)). Save it as UTF-8 — in most "
                + "editors, Save As and choose the UTF-8 encoding — and try again."
        case .unterminatedBoneyard:
            "The boneyard `/*` opened on line \(line ?? 1) is never closed, so everything after it would be ignored. "
                + "Add `*/` where the cut-out text ends."
        case .unterminatedNote:
            "The note `[[` opened on line \(line ?? 1) is never closed. Add `]]` where the note ends."
        case .noScenes:
            "The script has no scene: nothing in it could be read as action or dialogue. Add a Fountain scene heading "
                + "such as `EXT. TRAIN STATION - NIGHT` with action under it, or `ACT 1:` / `SCENE 1:` / `第一幕` "
                + "markers followed by paragraphs for prose."
        }
    }

    public var description: String {
        line.map { "line \($0): \(message)" } ?? message
    }
}
