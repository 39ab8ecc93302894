import Testing
@testable import Drama

@Suite struct EmphasisTests {
    @Test("paired emphasis markers are removed from the plain text", arguments: [
        ("*italic*", "italic"), ("**bold**", "bold"), ("***bold italic***", "bold italic"), ("_underline_", "underline"),
        ("From **what seems** like _*far away*_!", "From what seems like far away!"),
        ("**bold with *italic* inside**", "bold with italic inside"),
    ])
    func pairs(marked: String, plain: String) {
        #expect(Emphasis.plain(marked) == plain)
    }

    @Test("backslash escapes write markers literally", arguments: [
        ("Steel enters the code: **\\*9765\\***", "Steel enters the code: *9765*"), ("\\_not underlined\\_", "_not underlined_"),
        ("a \\\\ b", "a \\ b"), ("C:\\path", "C:\\path"),
    ])
    func escapes(marked: String, plain: String) {
        #expect(Emphasis.plain(marked) == plain)
    }

    @Test("unpaired, spaced or in-word markers stay as they are", arguments: [
        "He dialled *69 twice.", "2 * 3 * 4", "snake_case_name", "* not emphasis *", "**open\nclose**",
    ])
    func literal(text: String) {
        #expect(Emphasis.plain(text) == text)
    }

    @Test("an element keeps the marked-up text as raw text and the plain text as text")
    func rawAndPlain() throws {
        let action = try Fountain.parse("INT. HOUSE\n\nShe bites. *Clink.* The _lucky_ coin!").elements[1]
        #expect(action.text == "She bites. Clink. The lucky coin!")
        #expect(action.rawText == "She bites. *Clink.* The _lucky_ coin!")
    }
}
