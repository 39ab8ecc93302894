import Testing
@testable import Drama

@Suite struct FountainEdgeCaseTests {
    typealias Pair = Fountain.Pair

    @Test("CRLF and lone CR line endings read like LF, with the same line numbers")
    func lineEndings() throws {
        let lf = try Fountain.parse("INT. HOUSE - DAY\n\nMEI\nHi.\n\nShe waves.\n")
        #expect(try Fountain.parse("INT. HOUSE - DAY\r\n\r\nMEI\r\nHi.\r\n\r\nShe waves.\r\n") == lf)
        #expect(try Fountain.parse("INT. HOUSE - DAY\r\rMEI\rHi.\r\rShe waves.\r") == lf)
        #expect(lf.elements.map(\.line) == [1, 3, 4, 6])
    }

    @Test("trailing whitespace is ignored, and whitespace-only lines are blank")
    func trailingWhitespace() throws {
        #expect(try Fountain.elements("INT. HOUSE - DAY   \n \t \nMEI  \nHi.\t\n   \nCUT TO:  \n") == [
            Pair(.sceneHeading, "INT. HOUSE - DAY"), Pair(.character, "MEI"), Pair(.dialogue, "Hi."), Pair(.transition, "CUT TO:"),
        ])
    }

    @Test("a line of exactly two spaces keeps a speech together with an empty line in it")
    func twoSpacesInDialogue() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nDEALER\nTen.\n  \nTwenty.\n\nAction.").dropFirst() == [
            Pair(.character, "DEALER"), Pair(.dialogue, "Ten.\n\nTwenty."), Pair(.action, "Action."),
        ])
    }

    @Test("a cue not followed by dialogue is action")
    func lonelyCue() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nBANG\n\nNobody moves.").dropFirst() == [
            Pair(.action, "BANG"), Pair(.action, "Nobody moves."),
        ])
    }

    @Test("an upper-case line inside an action paragraph is not a cue")
    func capsInsideAction() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nThe lights fail.\nSILENCE\nThen a scream.").dropFirst() == [
            Pair(.action, "The lights fail.\nSILENCE\nThen a scream."),
        ])
    }

    @Test("a lower-case int. line is a heading")
    func lowercaseHeading() throws {
        #expect(try Fountain.parse("int. brick's pool - day\n\nSteel floats.").scenes.first?.heading?.text == "int. brick's pool - day")
    }

    @Test("a Chinese name is a cue only when forced with @; unforced, the lines are action")
    func chineseCues() throws {
        #expect(try Fountain.elements("INT. 厨房 - 夜\n\n@奶奶 (画外音)\n吃饺子！\n\n爷爷\n新年快乐！").dropFirst() == [
            Pair(.character, "奶奶"), Pair(.dialogue, "吃饺子！"), Pair(.action, "爷爷\n新年快乐！"),
        ])
        #expect(try Fountain.parse("INT. 厨房\n\n@奶奶 (画外音)\n吃！").elements[1].characterExtensions == ["画外音"])
    }

    @Test("an inline note leaves the text and follows its element as a note")
    func inlineNote() throws {
        let elements = try Fountain.parse("INT. HOUSE\n\nHe sits. [[Check the chair.]] He waits.").elements
        #expect(elements.dropFirst().map { Pair($0.kind, $0.text) } == [Pair(.action, "He sits. He waits."), Pair(.note, "Check the chair.")])
        #expect(elements[1].rawText == "He sits. [[Check the chair.]] He waits.")
        #expect(elements[2].line == 3)
    }

    @Test("a multi-line note, even across a blank line, is one note with the line it opens on")
    func multiLineNote() throws {
        let elements = try Fountain.parse("INT. HOUSE\n\nAction one.\n\n[[A long\n\nnote.]]\n\nAction two.").elements
        #expect(elements.dropFirst().map { Pair($0.kind, $0.text) } == [
            Pair(.action, "Action one."), Pair(.note, "A long\n\nnote."), Pair(.action, "Action two."),
        ])
        #expect(elements[2].line == 5)
    }

    @Test("notes inside dialogue leave the speech whole")
    func noteInsideDialogue() throws {
        let screenplay = try Fountain.parse("INT. HOUSE\n\nMEI\nHappy [[louder?]] new year!\n[[Beat here.]]\nAnd many more.")
        #expect(screenplay.elements.dropFirst().map { Pair($0.kind, $0.text) } == [
            Pair(.character, "MEI"), Pair(.dialogue, "Happy new year!\nAnd many more."), Pair(.note, "louder?"),
            Pair(.note, "Beat here."),
        ])
        #expect(screenplay.scenes[0].dialogue.map(\.text) == ["Happy new year!\nAnd many more."])
    }

    @Test("a note standing before a cue doesn't stop it being a cue")
    func noteBeforeCue() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\n[[Softer.]]\nMEI\nHi.").dropFirst() == [
            Pair(.character, "MEI"), Pair(.note, "Softer."), Pair(.dialogue, "Hi."),
        ])
    }

    @Test("the boneyard is removed, even across scenes, and line numbers stay those of the source")
    func boneyardAcrossScenes() throws {
        let screenplay = try Fountain.parse("""
            INT. HOUSE - DAY

            Mei waits. /* She checks
            her phone.

            EXT. STREET - NIGHT

            Hao runs. */ The door opens.

            EXT. YARD - DAY

            Snow.
            """)
        #expect(screenplay.scenes.map(\.heading?.text) == ["INT. HOUSE - DAY", "EXT. YARD - DAY"])
        #expect(screenplay.elements.map { Pair($0.kind, $0.text) } == [
            Pair(.sceneHeading, "INT. HOUSE - DAY"), Pair(.action, "Mei waits.\nThe door opens."),
            Pair(.sceneHeading, "EXT. YARD - DAY"), Pair(.action, "Snow."),
        ])
        #expect(screenplay.elements.map(\.line) == [1, 3, 10, 12])
    }

    @Test("a boneyard on lines of its own inside a speech doesn't split it")
    func boneyardInsideSpeech() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nMEI\nHi.\n/*\nCut line.\n*/\nBye.").dropFirst() == [
            Pair(.character, "MEI"), Pair(.dialogue, "Hi.\nBye."),
        ])
    }

    @Test("content before the first heading forms an opening scene; sections and notes alone don't")
    func openingScene() throws {
        #expect(try Fountain.parse("Snow falls.\n\nINT. HOUSE\n\nWarm.").scenes.map(\.heading?.text) == [nil, "INT. HOUSE"])
        #expect(try Fountain.parse("# ACT ONE\n\n[[Cold open.]]\n\nINT. HOUSE\n\nWarm.").scenes.count == 1)
    }
}
