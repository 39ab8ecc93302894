/// Wraps text into lines no wider than `maxWidth` ems, with estimated glyph widths: CJK and full-width characters
/// are 1 em, Latin capitals 0.72, other characters 0.6 (generous for DejaVu Sans and Noto Sans CJK), a space 0.35.
///
/// Latin text breaks at spaces; CJK text between any two characters, except that closing punctuation (`，。！？」…`)
/// stays with the character before it. A word longer than a line is cut. Line breaks in the text are kept, blank
/// lines dropped. Text that needs more than `maxLines` lines is cut and ends in `…`.
struct TextLayout: Sendable {
    var maxWidth: Double
    var maxLines: Int

    struct Result: Equatable {
        var lines: [String]
        var truncated: Bool
        var text: String { lines.joined(separator: "\n") }
    }

    func wrap(_ text: String) -> Result {
        var lines: [String] = []
        for paragraph in text.split(whereSeparator: \.isNewline) {
            var line = "", width = 0.0
            for token in tokens(paragraph) {
                let gap = token.spaceBefore && !line.isEmpty ? Self.spaceWidth : 0
                if !line.isEmpty, width + gap + token.width > maxWidth {
                    lines.append(line)
                    (line, width) = (token.text, token.width)
                } else {
                    line += (gap > 0 ? " " : "") + token.text
                    width += gap + token.width
                }
            }
            if !line.isEmpty { lines.append(line) }
        }
        guard lines.count > maxLines else { return Result(lines: lines, truncated: false) }
        var last = Substring(lines[maxLines - 1])
        while !last.isEmpty, Self.width(of: last) + Self.width(of: "…") > maxWidth { last.removeLast() }
        return Result(lines: lines.prefix(maxLines - 1) + [String(last) + "…"], truncated: true)
    }

    private struct Token {
        var text: String
        var width: Double
        var spaceBefore: Bool
    }

    /// A paragraph's unbreakable pieces: Latin runs, single CJK characters with their closing punctuation, and
    /// pieces of over-long words.
    private func tokens(_ paragraph: Substring) -> [Token] {
        var tokens: [Token] = []
        for word in paragraph.split(whereSeparator: \.isWhitespace) {
            var pieces: [String] = []
            for character in word {
                if let last = pieces.last?.last,
                    Self.closingPunctuation.contains(character) || !(Self.isWide(character) || Self.isWide(last))
                {
                    pieces[pieces.count - 1].append(character)
                } else {
                    pieces.append(String(character))
                }
            }
            for (index, part) in pieces.flatMap(cut).enumerated() {
                tokens.append(Token(text: part, width: Self.width(of: part), spaceBefore: index == 0))
            }
        }
        return tokens
    }

    /// Splits a piece wider than a line into line-wide parts.
    private func cut(_ piece: String) -> [String] {
        guard Self.width(of: piece) > maxWidth else { return [piece] }
        var parts = [""]
        for character in piece {
            if Self.width(of: parts[parts.count - 1] + String(character)) > maxWidth { parts.append("") }
            parts[parts.count - 1].append(character)
        }
        return parts
    }

    static let spaceWidth = 0.35
    private static let closingPunctuation: Set<Character> = Set("，。、！？；：）》」』】〉…,.!?;:)")

    static func width(of text: some StringProtocol) -> Double {
        text.reduce(0) { total, character in
            total + (isWide(character) ? 1 : character == " " ? spaceWidth : character.isUppercase ? 0.72 : 0.6)
        }
    }

    /// East Asian wide and full-width characters.
    static func isWide(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value else { return false }
        return switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x20000...0x3FFFD:
            true
        default: false
        }
    }
}
