/// A Fountain script's lines, numbered from 1, with the boneyard (`/* … */`) cut out and notes (`[[ … ]]`) lifted
/// out of the text.
///
/// Lines that held nothing but boneyard or note text are dropped rather than left blank, so cutting something out
/// never splits a paragraph or a speech. Blank lines inside a boneyard or a note belong to it and don't count.
struct ScriptSource {
    struct Note: Equatable {
        var text: String
        /// The line the `[[` is on.
        var line: Int
    }

    struct Line: Equatable {
        var number: Int
        /// The line without notes and trailing whitespace.
        var text: String
        /// The line as written (after the boneyard is cut out), without trailing whitespace.
        var raw: String
        /// The notes that open on this line.
        var notes: [Note] = []
        /// A blank line ends a paragraph. A line of exactly two spaces is not blank: Fountain uses it for an empty
        /// line inside dialogue or action.
        var isBlank: Bool
    }

    let lines: [Line]

    /// Splits `text` at every kind of line break (`\n`, `\r\n`, `\r`); a leading byte-order mark is dropped.
    static func numberedLines(of text: String) -> [(number: Int, text: String)] {
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        return body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated().map { ($0.offset + 1, String($0.element)) }
    }

    /// - Throws: `ScreenplayError.unterminatedBoneyard` or `.unterminatedNote` with the line where it opened.
    init(_ text: String) throws {
        let uncut = try Self.cutting(from: Self.numberedLines(of: text), open: "/*", close: "*/") { _, _ in }
            .filter { !$0.touched || !$0.text.allSatisfy(\.isWhitespace) }
        var notes: [Int: [Note]] = [:]
        let cut = try Self.cutting(from: uncut.map { ($0.number, $0.text) }, open: "[[", close: "]]") { text, line in
            notes[line, default: []].append(Note(text: text.trimmingWhitespace, line: line))
        }
        lines = zip(uncut, cut).compactMap { source, line in
            let lineNotes = notes[line.number] ?? []
            let empty = line.text.allSatisfy(\.isWhitespace)
            if line.touched, empty, lineNotes.isEmpty { return nil }
            return Line(
                number: line.number, text: line.text.trimmingTrailingWhitespace,
                raw: source.text.trimmingTrailingWhitespace, notes: lineNotes,
                isBlank: empty && lineNotes.isEmpty && line.text != "  ")
        }
    }

    /// Removes every `open … close` span, which may run over several lines, and hands each span's inner text and
    /// opening line to `found`. `touched` marks the lines a span covers or starts or ends on. Whitespace on both
    /// sides of a removed span collapses to the first side's, so `He sits. [[note]] He waits.` reads
    /// `He sits. He waits.`
    private static func cutting(
        from lines: [(number: Int, text: String)], open: String, close: String,
        found: (_ text: String, _ line: Int) -> Void
    ) throws -> [(number: Int, text: String, touched: Bool)] {
        var result: [(number: Int, text: String, touched: Bool)] = []
        var openedOn: Int?
        var inner = ""
        for (number, text) in lines {
            var rest = Substring(text)
            var kept = ""
            var touched = openedOn != nil
            while true {
                if let opened = openedOn {
                    guard let end = rest.firstRange(of: close) else {
                        inner += rest + "\n"
                        break
                    }
                    found(inner + rest[..<end.lowerBound], opened)
                    openedOn = nil
                    inner = ""
                    rest = rest[end.upperBound...]
                    if kept.last?.isWhitespace ?? true { rest = rest.drop(while: \.isWhitespace) }
                } else if let start = rest.firstRange(of: open) {
                    kept += rest[..<start.lowerBound]
                    openedOn = number
                    touched = true
                    rest = rest[start.upperBound...]
                } else {
                    kept += rest
                    break
                }
            }
            result.append((number, kept, touched))
        }
        if let openedOn {
            throw open == "/*" ? ScreenplayError.unterminatedBoneyard(line: openedOn) : .unterminatedNote(line: openedOn)
        }
        return result
    }
}
