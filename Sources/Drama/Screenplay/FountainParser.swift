/// Reads a Fountain 1.1 screenplay (https://fountain.io/syntax) paragraph by paragraph.
///
/// A paragraph is a run of lines between blank lines. The first paragraph is the title page if every line in it is
/// `Key: value` or an indented continuation. Inside a paragraph:
/// - sections, synopses, page breaks, centered text and `~` lyrics are recognised on any line, one element each;
/// - a scene heading, a transition or a character cue must open the paragraph (or follow one of the above). A
///   heading needn't have a blank line after it, so `INT. HOUSE - DAY` directly followed by action still reads,
///   and neither does a `CUT TO:` right before a heading; a cue must be followed by at least one line, else it is
///   action;
/// - everything else is action, which keeps its line breaks and indentation.
///
/// Notes are emitted as `note` elements right after the element they were written in.
struct FountainParser {
    typealias Line = ScriptSource.Line

    private(set) var titlePage: [TitlePageField] = []
    private(set) var elements: [ScreenplayElement] = []

    init(_ source: ScriptSource) {
        var paragraphs = source.lines.split(whereSeparator: \.isBlank).map(Array.init)
        if let first = paragraphs.first, let fields = Self.titlePage(first) {
            titlePage = fields
            elements += first.flatMap(\.notes).map(Self.element)
            paragraphs.removeFirst()
        }
        for paragraph in paragraphs { read(paragraph) }
    }

    private static func titlePage(_ lines: [Line]) -> [TitlePageField]? {
        var fields: [TitlePageField] = []
        for line in lines {
            let isContinuation = line.text.hasPrefix("\t") || line.text.hasPrefix("   ")
            if isContinuation, let last = fields.popLast() {
                let value = line.text.trimmingWhitespace
                let joined = last.value.isEmpty ? value : last.value + "\n" + value
                fields.append(TitlePageField(key: last.key, value: joined, line: last.line))
            } else if let entry = FountainSyntax.titlePageEntry(line.text), !isContinuation {
                fields.append(TitlePageField(key: entry.key, value: entry.value, line: line.number))
            } else if !line.text.isEmpty {
                return nil
            }
        }
        guard !fields.isEmpty else { return nil }
        return fields.map { TitlePageField(key: $0.key, value: Emphasis.plain($0.value), rawValue: $0.value, line: $0.line) }
    }

    private static func element(_ note: ScriptSource.Note) -> ScreenplayElement {
        ScreenplayElement(.note, text: note.text, line: note.line)
    }

    /// Lines holding only notes are folded into the next line with text (or the last one), so they neither open
    /// nor interrupt a speech; empty lines at the paragraph's ends are dropped.
    private mutating func read(_ paragraph: [Line]) {
        var lines: [Line] = []
        var pending: [ScriptSource.Note] = []
        for var line in paragraph {
            if line.text.isEmpty, !line.notes.isEmpty {
                pending += line.notes
                continue
            }
            line.notes = pending + line.notes
            pending = []
            lines.append(line)
        }
        while lines.first?.text.isEmpty == true, lines.first?.notes.isEmpty == true { lines.removeFirst() }
        while lines.last?.text.isEmpty == true, lines.last?.notes.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else {
            elements += pending.map(Self.element)
            return
        }
        lines[lines.count - 1].notes += pending
        read(lines: lines[...])
    }

    private mutating func read(lines: ArraySlice<Line>) {
        var rest = lines
        while let line = rest.first {
            let text = line.text.trimmingWhitespace
            if let (kind, content) = FountainSyntax.standalone(text) {
                append(kind, content, rest.prefix(1))
            } else if let heading = FountainSyntax.sceneHeading(text) {
                append(.sceneHeading, heading.text, rest.prefix(1), sceneNumber: heading.number)
            } else if let transition = FountainSyntax.transition(text, standsAlone: Self.endsBlock(rest.dropFirst())) {
                append(.transition, transition, rest.prefix(1))
            } else if rest.count > 1, let cue = FountainSyntax.cue(text) {
                rest = readSpeech(cue, rest)
                continue
            } else {
                let following = rest.dropFirst().prefix { FountainSyntax.standalone($0.text.trimmingWhitespace) == nil }
                let action = rest.prefix(1 + following.count)
                append(.action, action.map(Self.actionText).joined(separator: "\n"), action)
                rest = rest.dropFirst(following.count)
            }
            rest = rest.dropFirst()
        }
    }

    /// True when nothing follows in the paragraph or the next line is a scene heading.
    private static func endsBlock(_ following: ArraySlice<Line>) -> Bool {
        following.first.map { FountainSyntax.sceneHeading($0.text.trimmingWhitespace) != nil } ?? true
    }

    /// An action line keeps its indentation but loses a forcing `!`.
    private static func actionText(_ line: Line) -> String {
        let indent = line.text.prefix(while: \.isWhitespace)
        let body = line.text.dropFirst(indent.count)
        return String(indent + (body.hasPrefix("!") ? body.dropFirst() : body))
    }

    /// Reads a cue and the parentheticals, dialogue and sung `~` lyrics under it, and returns the lines after the
    /// speech, which ends with the paragraph or at a section, synopsis, page break or centered line.
    private mutating func readSpeech(_ cue: FountainSyntax.Cue, _ lines: ArraySlice<Line>) -> ArraySlice<Line> {
        if cue.isDual { markLastSpeechDual() }
        append(.character, cue.name, lines.prefix(1), extensions: cue.extensions, dual: cue.isDual)
        var rest = lines.dropFirst()
        while let line = rest.first {
            let text = line.text.trimmingWhitespace
            switch FountainSyntax.standalone(text) {
            case (.lyric, let lyric)?:
                append(.lyric, lyric, rest.prefix(1), dual: cue.isDual)
                rest = rest.dropFirst()
            case _?:
                return rest
            case nil where FountainSyntax.isParenthetical(text):
                append(.parenthetical, text, rest.prefix(1), dual: cue.isDual)
                rest = rest.dropFirst()
            case nil:
                let spoken = rest.prefix { line in
                    let text = line.text.trimmingWhitespace
                    return !FountainSyntax.isParenthetical(text) && FountainSyntax.standalone(text) == nil
                }
                append(.dialogue, spoken.map(\.text.trimmingWhitespace).joined(separator: "\n"), spoken, dual: cue.isDual)
                rest = rest.dropFirst(spoken.count)
            }
        }
        return rest
    }

    /// Marks the speech just read as the left half of a dual-dialogue pair.
    private mutating func markLastSpeechDual() {
        let speech: Set<ScreenplayElement.Kind> = [.character, .parenthetical, .dialogue, .lyric, .note]
        guard let cue = elements.lastIndex(where: { $0.kind == .character }),
            elements[cue...].allSatisfy({ speech.contains($0.kind) })
        else { return }
        for index in cue..<elements.endIndex where elements[index].kind != .note {
            elements[index].isDualDialogue = true
        }
    }

    private mutating func append(
        _ kind: ScreenplayElement.Kind, _ content: String, _ lines: ArraySlice<Line>, sceneNumber: String? = nil,
        extensions: [String] = [], dual: Bool = false
    ) {
        guard let first = lines.first else { return }
        elements.append(ScreenplayElement(
            kind, text: Emphasis.plain(content), rawText: lines.map(\.raw).joined(separator: "\n"), line: first.number,
            sceneNumber: sceneNumber, characterExtensions: extensions, isDualDialogue: dual))
        elements += lines.flatMap(\.notes).map(Self.element)
    }
}
