import Testing
@testable import Drama

@Suite struct SceneTests {
    let screenplay: Screenplay

    init() throws {
        screenplay = try Fountain.parse("""
            INT. KITCHEN - NIGHT #3#

            Steam fogs the window.

            GRANDPA
            (pinching a dumpling shut)
            This one is for Mei.

            MOM (V.O.)
            She isn't coming.
            [[Softly.]]
            (beat)
            Work.

            Grandpa keeps folding.

            MEI
            Grandpa!

            GRANDPA ^
            Mei!

            EXT. YARD - NIGHT

            Fireworks.
            """)
    }

    @Test("a scene runs from its heading to the next one")
    func grouping() {
        #expect(screenplay.scenes.map(\.number) == [1, 2])
        #expect(screenplay.scenes[0].heading?.sceneNumber == "3")
        #expect(screenplay.scenes[0].line == 1)
        #expect(screenplay.scenes[1].elements.map(\.kind) == [.sceneHeading, .action])
    }

    @Test("characters are the speakers in order of their first line, once each")
    func characters() {
        #expect(screenplay.scenes[0].characters == ["GRANDPA", "MOM", "MEI"])
        #expect(screenplay.scenes[1].characters.isEmpty)
        #expect(screenplay.characters == ["GRANDPA", "MOM", "MEI"])
    }

    @Test("dialogue lines carry the speaker, extensions, the parenthetical right before them and their line")
    func dialogue() {
        let lines = screenplay.scenes[0].dialogue
        #expect(lines.map(\.speaker) == ["GRANDPA", "MOM", "MOM", "MEI", "GRANDPA"])
        #expect(lines.map(\.parenthetical) == ["pinching a dumpling shut", nil, "beat", nil, nil])
        #expect(lines.map(\.text) == ["This one is for Mei.", "She isn't coming.", "Work.", "Grandpa!", "Mei!"])
        #expect(lines.map(\.line) == [7, 10, 13, 18, 21])
        #expect(lines[1].extensions == ["V.O."])
        #expect(lines.map(\.isDualDialogue) == [false, false, false, true, true])
    }

    @Test("action beats are the action paragraphs")
    func actionBeats() {
        #expect(screenplay.scenes[0].actionBeats.map(\.text) == ["Steam fogs the window.", "Grandpa keeps folding."])
        #expect(screenplay.scenes[0].actionBeats.map(\.line) == [3, 15])
    }
}
