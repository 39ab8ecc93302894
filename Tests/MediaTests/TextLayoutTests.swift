import Testing

@testable import Media

@Suite struct TextLayoutTests {
    @Test("Latin text breaks at spaces within the width")
    func latinWrapsAtSpaces() {
        let result = TextLayout(maxWidth: 6, maxLines: 5).wrap("the wind tears at her coat tonight")
        #expect(result == .init(lines: ["the wind", "tears at", "her coat", "tonight"], truncated: false))
        #expect(result.lines.allSatisfy { TextLayout.width(of: $0) <= 6 })
    }

    @Test("CJK text breaks between characters and keeps closing punctuation with the character before it")
    func cjkBreaksBetweenCharacters() {
        let result = TextLayout(maxWidth: 4, maxLines: 5).wrap("夜色中林悦，站在天台。")
        #expect(result.lines == ["夜色中林", "悦，站在", "天台。"])
    }

    @Test("Line breaks are kept, blank lines dropped, and over-long words cut")
    func paragraphsAndLongWords() {
        let result = TextLayout(maxWidth: 3, maxLines: 9).wrap("INT.\n\nabcdefghij")
        #expect(result.lines == ["INT.", "abcde", "fghij"])
    }

    @Test("Text beyond the last line is cut and ends in an ellipsis")
    func truncation() {
        let result = TextLayout(maxWidth: 5, maxLines: 2).wrap("one two three four five six")
        #expect(result.truncated)
        #expect(result.lines.count == 2)
        #expect(result.lines[1].hasSuffix("…"))
        #expect(TextLayout.width(of: result.lines[1]) <= 5)
    }

    @Test("Text with any non-Latin character needs the CJK font")
    func scriptDetection() {
        #expect(Typeface.Script(of: "Café · “quoted” — naïve") == .latin)
        #expect(Typeface.Script(of: "Lin Yue 林悦") == .cjk)
    }
}
