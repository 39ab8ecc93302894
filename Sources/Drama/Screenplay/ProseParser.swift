/// Reads a plain prose script in the style of the guide's sample:
///
///     EPISODE 1: "The Lantern Riddle"
///
///     ACT 1: The Wang family hangs lanterns in the courtyard.
///     Grandpa Wang: Higher! The rabbit lantern goes highest.
///
/// - The first line may name the episode — `EPISODE 1: "Title"` or `第1集：标题` — and becomes the title page.
/// - `ACT n:`, `SCENE n:`, `第一幕` and `第一场` lines start a scene (the number may be digits, Roman or English
///   words up to twelve); text after the marker is the scene's first action. When a script has both acts and scenes,
///   acts become sections, with their text as a synopsis, and scenes become the scenes.
/// - `Name: line` is dialogue when the name is one to four capitalised words or up to 12 Chinese characters (a
///   full-width `：` works too); `Name (whispering): line` and `Name: (whispering) line` add a parenthetical.
///   Speakers are upper-cased like Fountain cues.
/// - Other lines are action; lines without a blank between them form one paragraph. Paragraphs before the first
///   marker are synopses. A script without any marker is a single opening scene.
struct ProseParser {
    private(set) var titlePage: [TitlePageField] = []
    private(set) var elements: [ScreenplayElement] = []

    private struct Marker {
        var label: String, number: String, isAct: Bool, rest: String
    }

    /// Words that look like a speaker before a colon but introduce a note about the story.
    private static let notSpeakers: Set<String> = [
        "note", "notes", "setting", "time", "place", "location", "summary", "logline", "synopsis", "theme", "tone",
        "style", "genre", "music", "sound", "sfx", "vfx", "camera", "cut", "fade", "transition", "resolution",
        "ending", "twist", "cast", "characters", "duration", "runtime", "meanwhile", "later", "title", "episode",
        "时间", "地点", "场景", "人物", "备注", "注",
    ]

    init(_ text: String) {
        var lines = ScriptSource.numberedLines(of: text).map { (number: $0.number, text: $0.text.trimmingWhitespace) }
        lines = Array(lines.drop { $0.text.isEmpty })
        if let first = lines.first, let (number, title) = Self.episode(first.text) {
            titlePage = [TitlePageField(key: "Episode", value: number, line: first.number)]
            if !title.isEmpty { titlePage.append(TitlePageField(key: "Title", value: title, line: first.number)) }
            lines.removeFirst()
        }
        let markers = lines.compactMap { Self.marker($0.text) }
        let actsAreSections = markers.contains(where: \.isAct) && markers.contains { !$0.isAct }
        var inScene = markers.isEmpty
        var paragraph: [(number: Int, text: String)] = []
        func flush() {
            guard let first = paragraph.first else { return }
            append(inScene ? .action : .synopsis, paragraph.map(\.text).joined(separator: "\n"), line: first.number)
            paragraph = []
        }
        for line in lines {
            if line.text.isEmpty {
                flush()
            } else if let marker = Self.marker(line.text) {
                flush()
                if actsAreSections, marker.isAct {
                    append(.section(depth: 1), marker.label, line: line.number)
                    if !marker.rest.isEmpty { append(.synopsis, marker.rest, line: line.number) }
                    inScene = false
                } else {
                    append(.sceneHeading, marker.label, line: line.number, sceneNumber: marker.number)
                    if !marker.rest.isEmpty { paragraph = [(line.number, marker.rest)] }
                    inScene = true
                }
            } else if inScene, let speech = Self.speech(line.text) {
                flush()
                append(.character, speech.name.uppercased(), rawText: speech.name, line: line.number)
                if let parenthetical = speech.parenthetical { append(.parenthetical, "(\(parenthetical))", line: line.number) }
                append(.dialogue, speech.text, line: line.number)
            } else {
                paragraph.append(line)
            }
        }
        flush()
    }

    private mutating func append(
        _ kind: ScreenplayElement.Kind, _ content: String, rawText: String? = nil, line: Int, sceneNumber: String? = nil
    ) {
        elements.append(ScreenplayElement(
            kind, text: Emphasis.plain(content), rawText: rawText ?? content, line: line, sceneNumber: sceneNumber))
    }

    private static func episode(_ line: String) -> (number: String, title: String)? {
        let english = #/^(?:episode|ep\.?)\s*(?<number>\d+|[ivxlc]+)\b\s*[:：.\-–—]?\s*(?<title>.*)$/#.ignoresCase()
        let chinese = #/^第\s*(?<number>[0-9一二三四五六七八九十百零〇两]+)\s*集\s*[:：.、]?\s*(?<title>.*)$/#
        guard let match = line.wholeMatch(of: english)?.output ?? line.wholeMatch(of: chinese)?.output else { return nil }
        let quotes: Set<Character> = ["\"", "'", "“", "”", "‘", "’", "「", "」", "『", "』", "《", "》"]
        let title = match.title.drop { quotes.contains($0) }.reversed().drop { quotes.contains($0) }.reversed()
        return (String(match.number), String(title))
    }

    private static func marker(_ line: String) -> Marker? {
        let english = #/^(?<label>(?<kind>act|scene)\s+(?<number>\d+|[ivxlc]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))\b\s*[:：.\-–—]?\s*(?<rest>.*)$/#
            .ignoresCase()
        let chinese = #/^(?<label>第\s*(?<number>[0-9一二三四五六七八九十百零〇两]+)\s*(?<kind>[幕场場]))\s*[:：.、]?\s*(?<rest>.*)$/#
        if let match = line.wholeMatch(of: english)?.output {
            return Marker(label: String(match.label), number: String(match.number), isAct: match.kind.lowercased() == "act", rest: String(match.rest))
        }
        if let match = line.wholeMatch(of: chinese)?.output {
            return Marker(label: String(match.label), number: String(match.number), isAct: match.kind == "幕", rest: String(match.rest))
        }
        return nil
    }

    private static func speech(_ line: String) -> (name: String, parenthetical: String?, text: String)? {
        let pattern = #/^(?<name>\p{Lu}[\w'’.\-]*(?: \p{Lu}[\w'’.\-]*){0,3}|[\p{Han}·]{1,12})\s*(?:\((?<paren>[^)]*)\))?\s*[:：]\s*(?<text>\S.*)$/#
        guard let match = line.wholeMatch(of: pattern)?.output, !notSpeakers.contains(match.name.lowercased()) else { return nil }
        var parenthetical = match.paren.map { $0.trimmingWhitespace }
        var text = Substring(match.text)
        if parenthetical == nil, text.hasPrefix("("), let close = text.firstIndex(of: ")") {
            parenthetical = text[text.index(after: text.startIndex)..<close].trimmingWhitespace
            text = text[text.index(after: close)...]
        }
        let spoken = text.trimmingWhitespace
        return spoken.isEmpty ? nil : (String(match.name), parenthetical, spoken)
    }
}
