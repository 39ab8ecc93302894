import Testing
@testable import Drama

/// One test per Fountain element (https://fountain.io/syntax).
@Suite struct FountainElementTests {
    typealias Pair = Fountain.Pair

    @Test("a title page reads keys, multi-line indented values and their lines, and ends at the first blank line")
    func titlePage() throws {
        let screenplay = try Fountain.parse("""
            Title: _**BRICK & STEEL**_
            Credit: Written by
            Contact:
                Henry Lin
                Beijing
            Draft date: 1/20/2026

            INT. HOUSE - DAY

            Quiet.
            """)
        #expect(screenplay.titlePage.map(\.key) == ["Title", "Credit", "Contact", "Draft date"])
        #expect(screenplay.title == "BRICK & STEEL")
        #expect(screenplay.titlePage[0].rawValue == "_**BRICK & STEEL**_")
        #expect(screenplay.titlePage[2].value == "Henry Lin\nBeijing")
        #expect(screenplay.titlePage.map(\.line) == [1, 2, 3, 6])
        #expect(screenplay.elements.first?.kind == .sceneHeading)
    }

    @Test("a first paragraph that isn't all Key: value lines is not a title page")
    func notATitlePage() throws {
        let screenplay = try Fountain.parse("Morning: the house is quiet.\nThen a kettle screams.\n")
        #expect(screenplay.titlePage.isEmpty)
        #expect(screenplay.elements.map(\.kind) == [.action])
    }

    @Test("every standard prefix starts a scene heading, in any case", arguments: [
        "INT. KITCHEN - NIGHT", "EXT. ROOFTOP - DAY", "EST. HARBIN SKYLINE - DUSK", "INT./EXT. CAR - MOVING",
        "INT/EXT CAR - MOVING", "I/E CAR - MOVING", "int. kitchen - night", "Ext. garden", "INT KITCHEN",
    ])
    func sceneHeadingPrefixes(heading: String) throws {
        #expect(try Fountain.elements("\(heading)\n\nAction.") == [Pair(.sceneHeading, heading), Pair(.action, "Action.")])
    }

    @Test("words that merely start with INT or EXT are not headings", arguments: ["INTERIOR DESIGN", "EXTRA LARGE", "ESTATE SALE"])
    func notHeadings(line: String) throws {
        #expect(try Fountain.parse("\(line)\n\nAction.").elements.first?.kind == .action)
    }

    @Test("a leading period forces a heading, but an ellipsis does not")
    func forcedHeading() throws {
        #expect(try Fountain.elements(".FLASHBACK - 1998\n\n...and then silence.") == [
            Pair(.sceneHeading, "FLASHBACK - 1998"), Pair(.action, "...and then silence."),
        ])
    }

    @Test("a scene number between hashes is split off the heading")
    func sceneNumbers() throws {
        let elements = try Fountain.parse("INT. HOUSE - DAY #1A#\n\nEXT. YARD - DAY #I-1-A#\n\n.DREAM #12.#\n\nAction.").elements
        #expect(elements.prefix(3).map(\.text) == ["INT. HOUSE - DAY", "EXT. YARD - DAY", "DREAM"])
        #expect(elements.prefix(3).map(\.sceneNumber) == ["1A", "I-1-A", "12."])
        #expect(elements[0].rawText == "INT. HOUSE - DAY #1A#")
    }

    @Test("a heading followed directly by action, without a blank line, still reads as a heading")
    func headingWithoutBlankLine() throws {
        #expect(try Fountain.elements("INT. HOUSE - DAY\nMEI\nHello.") == [
            Pair(.sceneHeading, "INT. HOUSE - DAY"), Pair(.character, "MEI"), Pair(.dialogue, "Hello."),
        ])
    }

    @Test("action keeps its line breaks, tabs and indentation, and ! forces it")
    func action() throws {
        let elements = try Fountain.elements("INT. HOUSE\n\nThe door opens.\n\tA cat walks in.\n    It sits.\n\n!SILENCE\nNobody moves.")
        #expect(elements.dropFirst() == [
            Pair(.action, "The door opens.\n\tA cat walks in.\n    It sits."), Pair(.action, "SILENCE\nNobody moves."),
        ])
    }

    @Test("a cue reads its extensions; the name is what remains", arguments: [
        ("MOM (V.O.)", "MOM", ["V.O."]), ("LIN HAO (O.S.)", "LIN HAO", ["O.S."]), ("HANS (on the radio)", "HANS", ["on the radio"]),
        ("ZHOU LAN (V.O.) (CONT'D)", "ZHOU LAN", ["V.O.", "CONT'D"]), ("R2D2", "R2D2", []), ("MEI 美", "MEI 美", []),
    ])
    func cueExtensions(cue: String, name: String, extensions: [String]) throws {
        let elements = try Fountain.parse("INT. HOUSE\n\n\(cue)\nHi.").elements
        #expect(elements[1].kind == .character)
        #expect(elements[1].text == name)
        #expect(elements[1].characterExtensions == extensions)
        #expect(elements[2] == ScreenplayElement(.dialogue, text: "Hi.", line: 4))
    }

    @Test("@ forces a cue with lower-case letters")
    func forcedCue() throws {
        #expect(try Fountain.elements("INT. BAR\n\n@McCLANE\nYippee ki-yay.").dropFirst() == [
            Pair(.character, "McCLANE"), Pair(.dialogue, "Yippee ki-yay."),
        ])
    }

    @Test("dialogue runs over several lines and parentheticals sit between its lines")
    func dialogueAndParentheticals() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nGRANDPA\n(leaning in)\nEat.\nEat more.\n(beat)\nPlease.").dropFirst() == [
            Pair(.character, "GRANDPA"), Pair(.parenthetical, "(leaning in)"), Pair(.dialogue, "Eat.\nEat more."),
            Pair(.parenthetical, "(beat)"), Pair(.dialogue, "Please."),
        ])
    }

    @Test("a caret marks both speeches of a dual-dialogue pair")
    func dualDialogue() throws {
        let elements = try Fountain.parse("INT. HOUSE\n\nMOM\nDinner!\n\nHAO\nWhat?\n\nDAD ^\n(shouting)\nDinner!").elements
        #expect(elements.map(\.isDualDialogue) == [false, false, false, true, true, true, true, true])
        #expect(elements[5].text == "DAD")
        #expect(elements[5].rawText == "DAD ^")
    }

    @Test("a caret with no speech right before it marks only its own speech")
    func dualDialogueAlone() throws {
        let elements = try Fountain.parse("INT. HOUSE\n\nA pause.\n\nDAD ^\nDinner!").elements
        #expect(elements.map(\.isDualDialogue) == [false, false, true, true])
    }

    @Test("each tilde line is a lyric, even inside an action paragraph")
    func lyrics() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\n~Willy Wonka! Willy Wonka!\n~The amazing chocolatier!\nHe bows.").dropFirst() == [
            Pair(.lyric, "Willy Wonka! Willy Wonka!"), Pair(.lyric, "The amazing chocolatier!"), Pair(.action, "He bows."),
        ])
    }

    @Test("lyrics under a cue are sung by that character")
    func sungLyrics() throws {
        let screenplay = try Fountain.parse("INT. HOUSE\n\nAUNTIE WANG\n(off-key)\n~Snow falls on the road,\n~every window waits.\nHa!")
        #expect(screenplay.elements.dropFirst().map { Pair($0.kind, $0.text) } == [
            Pair(.character, "AUNTIE WANG"), Pair(.parenthetical, "(off-key)"), Pair(.lyric, "Snow falls on the road,"),
            Pair(.lyric, "every window waits."), Pair(.dialogue, "Ha!"),
        ])
        #expect(screenplay.scenes[0].dialogue.map(\.text) == ["Snow falls on the road,", "every window waits.", "Ha!"])
        #expect(screenplay.scenes[0].dialogue.map(\.parenthetical) == ["off-key", nil, nil])
    }

    @Test("a centered line or a section ends a speech")
    func speechEndsAtStandalone() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nMEI\nHi.\n>MIDNIGHT<\nFireworks burst.\n# ACT TWO").dropFirst() == [
            Pair(.character, "MEI"), Pair(.dialogue, "Hi."), Pair(.centered, "MIDNIGHT"), Pair(.action, "Fireworks burst."),
            Pair(.section(depth: 1), "ACT TWO"),
        ])
    }

    @Test("an upper-case line ending in TO: on its own is a transition; > forces one")
    func transitions() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nCUT TO:\n\n> Burn to white.\n\nEXT. YARD").dropFirst() == [
            Pair(.transition, "CUT TO:"), Pair(.transition, "Burn to white."), Pair(.sceneHeading, "EXT. YARD"),
        ])
    }

    @Test("a TO: line directly followed by a heading is still a transition")
    func transitionBeforeHeading() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\nCUT TO:\nEXT. YARD").dropFirst() == [
            Pair(.transition, "CUT TO:"), Pair(.sceneHeading, "EXT. YARD"),
        ])
    }

    @Test("a TO: line followed by a line of text is a cue, as Fountain says")
    func toLineBeforeText() throws {
        #expect(try Fountain.parse("INT. HOUSE\n\nCUT TO:\nthe chase.").elements.map(\.kind) == [.sceneHeading, .character, .dialogue])
    }

    @Test("text between > and < is centered")
    func centered() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\n>THE END<\n\n> 除夕 · 11:40 PM <").dropFirst() == [
            Pair(.centered, "THE END"), Pair(.centered, "除夕 · 11:40 PM"),
        ])
    }

    @Test("hashes are sections whose depth is the number of hashes")
    func sections() throws {
        let elements = try Fountain.parse("# ACT ONE\n\n## The road\n\n### Beat\n\nINT. HOUSE").elements
        #expect(elements.map(\.kind) == [.section(depth: 1), .section(depth: 2), .section(depth: 3), .sceneHeading])
        #expect(elements.map(\.text).prefix(2) == ["ACT ONE", "The road"])
    }

    @Test("= lines are synopses and === lines are page breaks")
    func synopsesAndPageBreaks() throws {
        #expect(try Fountain.elements("INT. HOUSE\n\n= Mei finds the coin.\n\n===\n\n=====\n\nAction.").dropFirst() == [
            Pair(.synopsis, "Mei finds the coin."), Pair(.pageBreak, ""), Pair(.pageBreak, ""), Pair(.action, "Action."),
        ])
    }
}
