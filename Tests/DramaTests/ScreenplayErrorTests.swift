import Foundation
import Testing
@testable import Drama

@Suite struct ScreenplayErrorTests {
    @Test("an unterminated boneyard names the line where /* opened")
    func unterminatedBoneyard() {
        #expect(throws: ScreenplayError.unterminatedBoneyard(line: 5)) {
            try Fountain.parse("INT. HOUSE\n\nWarm. /* ok */\n\nCold. /* never\nclosed\n")
        }
    }

    @Test("an unterminated note names the line where [[ opened")
    func unterminatedNote() {
        #expect(throws: ScreenplayError.unterminatedNote(line: 4)) {
            try Fountain.parse("INT. HOUSE\n\nMEI\nHi. [[louder\n\nBye.")
        }
    }

    @Test("an empty or whitespace-only script is an empty script", arguments: ["", "  \n\t\n\r\n", "\u{FEFF}"])
    func empty(text: String) {
        #expect(throws: ScreenplayError.emptyScript) { try Screenplay(parsing: text) }
    }

    @Test("bytes that are not UTF-8 name the line of the first bad byte")
    func notUTF8() {
        var data = Data("INT. HOUSE\n\nCaf".utf8)
        data.append(0xE9)  // Latin-1 é
        #expect(throws: ScreenplayError.notUTF8(line: 3)) { try Screenplay(data: data) }
    }

    @Test("a script with nothing that reads as a scene has no scenes", arguments: [
        ("Title: Reunion\nAuthor: Mei\n", ScriptFormat.fountain), ("# ACT ONE\n\n[[To write.]]\n\n===", .fountain),
        ("/* all cut */", .fountain), ("EPISODE 1: \"Reunion\"", .prose),
    ])
    func noScenes(text: String, format: ScriptFormat) {
        #expect(throws: ScreenplayError.noScenes) { try Screenplay(parsing: text, format: format) }
    }

    @Test("every message says what to do, and the description leads with the line")
    func messages() {
        #expect(ScreenplayError.unterminatedBoneyard(line: 7).message.contains("Add `*/`"))
        #expect(ScreenplayError.unterminatedNote(line: 7).message.contains("Add `]]`"))
        #expect(ScreenplayError.notUTF8(line: 2).message.contains("Save it as UTF-8"))
        #expect(ScreenplayError.noScenes.message.contains("Add a Fountain scene heading"))
        #expect(ScreenplayError.emptyScript.message.contains("Write at least one scene"))
        #expect(ScreenplayError.unterminatedNote(line: 7).description.hasPrefix("line 7: "))
        #expect(ScreenplayError.unterminatedNote(line: 7) != .unterminatedBoneyard(line: 7))
    }
}
