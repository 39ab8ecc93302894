/// How a script is written: a Fountain screenplay or plain prose.
public enum ScriptFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fountain 1.1 (https://fountain.io/syntax).
    case fountain
    /// Paragraphs with `ACT n:` / `SCENE n:` / `第一幕` markers and `Name: line` dialogue.
    case prose

    /// The format a file extension promises: `fountain` and `spmd` are Fountain; nil when the extension says
    /// nothing (`txt`, `md`, none).
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "fountain", "spmd": self = .fountain
        default: return nil
        }
    }

    /// Guesses the format of `text`: Fountain if a line starts like a scene heading (`INT.`, `EXT.`, `EST.`,
    /// `INT./EXT.`, `I/E`) or the script opens with a title page using one of Fountain's keys (`Title:`,
    /// `Author:`, `Credit:`, `Draft date:`, …); prose otherwise.
    public init(sniffing text: String) {
        let lines = ScriptSource.numberedLines(of: text).map { $0.text.trimmingWhitespace }
        let opening = lines.drop { $0.isEmpty }.prefix { !$0.isEmpty }
        let hasTitlePage = opening.contains { line in
            FountainSyntax.titlePageEntry(line).map { FountainSyntax.standardTitleKeys.contains($0.key.lowercased()) } == true
        }
        self = hasTitlePage || lines.contains(where: FountainSyntax.startsLikeHeading) ? .fountain : .prose
    }
}
