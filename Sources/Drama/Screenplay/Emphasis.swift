/// Fountain's emphasis markup (https://fountain.io/syntax#emphasis): `*italic*`, `**bold**`, `***bold italic***`
/// and `_underline_`, which may nest; a backslash writes a marker literally (`\*`, `\_`, `\\`).
enum Emphasis {
    private typealias Glyph = (character: Character, escaped: Bool)

    /// `text` with paired markers removed and escapes resolved: `**Bold** and \*not\*` → `Bold and *not*`.
    ///
    /// A marker pairs with the next run of the same length on the same line. The opening one must be followed, and
    /// the closing one preceded, by a non-space, and neither may sit inside a word, so `snake_case_name` and
    /// `2 * 3 * 4` stay as they are.
    static func plain(_ text: String) -> String {
        guard text.contains(where: { "*_\\".contains($0) }) else { return text }
        var glyphs: [Glyph] = []
        var characters = text[...]
        while let character = characters.popFirst() {
            if character == "\\", let next = characters.first, "*_\\".contains(next) {
                glyphs.append((next, true))
                characters.removeFirst()
            } else {
                glyphs.append((character, false))
            }
        }
        for (marker, length) in [("*", 3), ("*", 2), ("*", 1), ("_", 1)] as [(Character, Int)] {
            removePairs(of: marker, length: length, in: &glyphs)
        }
        return String(glyphs.map(\.character))
    }

    private static func removePairs(of marker: Character, length: Int, in glyphs: inout [Glyph]) {
        func isMarker(_ index: Int) -> Bool {
            glyphs.indices.contains(index) && glyphs[index].character == marker && !glyphs[index].escaped
        }
        func isWordy(_ index: Int) -> Bool {
            glyphs.indices.contains(index) && (glyphs[index].character.isLetter || glyphs[index].character.isNumber)
        }
        func isBlank(_ index: Int) -> Bool {
            !glyphs.indices.contains(index) || glyphs[index].character.isWhitespace
        }
        /// The length of the marker run starting at `index`, or 0 if a run doesn't start there.
        func run(at index: Int) -> Int {
            guard !isMarker(index - 1) else { return 0 }
            var end = index
            while isMarker(end) { end += 1 }
            return end - index
        }

        var open = 0
        while open < glyphs.count {
            let contentStart = open + length
            guard run(at: open) == length, !isWordy(open - 1), !isBlank(contentStart) else {
                open += 1
                continue
            }
            let close = (contentStart + 1..<glyphs.count)
                .prefix { !glyphs[$0].character.isNewline }
                .first { run(at: $0) == length && !isBlank($0 - 1) && !isWordy($0 + length) }
            guard let close else {
                open += 1
                continue
            }
            glyphs.removeSubrange(close..<close + length)
            glyphs.removeSubrange(open..<contentStart)
        }
    }
}
