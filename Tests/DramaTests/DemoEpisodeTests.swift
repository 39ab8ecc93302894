import Foundation
import Testing
@testable import Drama

/// The example scripts in `examples/` parse into what the pipeline expects of them.
@Suite struct DemoEpisodeTests {
    @Test("the Spring Festival episode has a title page, seven numbered scenes and five speaking characters")
    func springFestival() throws {
        let screenplay = try Screenplay(contentsOf: Fountain.examples.appending(path: "spring-festival.fountain"))
        #expect(screenplay.title == "The Coin in the Dumpling")
        #expect(screenplay.titlePage.first { $0.key == "Notes" }?.value.contains("\n") == true)
        #expect(screenplay.scenes.count == 7)
        #expect(screenplay.scenes.compactMap(\.heading?.sceneNumber) == ["1", "2", "3", "4", "5", "6", "7"])
        #expect(screenplay.characters == ["ZHOU LAN", "XIAOYU", "GRANDPA LIN", "LIN HAO", "AUNTIE WANG"])
    }

    @Test("the Spring Festival episode uses every kind of element the pipeline meets")
    func springFestivalElements() throws {
        let screenplay = try Screenplay(contentsOf: Fountain.examples.appending(path: "spring-festival.fountain"))
        let kinds = Set(screenplay.elements.map(\.kind.name))
        #expect(kinds == [
            "section", "synopsis", "scene_heading", "action", "character", "parenthetical", "dialogue", "transition",
            "note", "page_break", "lyric", "centered",
        ])
        #expect(screenplay.elements.filter(\.isDualDialogue).count == 4)
        #expect(!screenplay.elements.contains { $0.text.contains("rob the bank") })
        #expect(screenplay.scenes[0].dialogue.first?.extensions == ["V.O."])
    }

    @Test("each scene of the Spring Festival episode has enough beats for 4 to 8 shots, about 45 in all")
    func springFestivalBeats() throws {
        let screenplay = try Screenplay(contentsOf: Fountain.examples.appending(path: "spring-festival.fountain"))
        let beats = screenplay.scenes.map { $0.actionBeats.count + $0.dialogue.count }
        #expect(beats.allSatisfy { (4...12).contains($0) })
        #expect((40...60).contains(beats.reduce(0, +)))
    }

    @Test("the red-envelope prose script reads as three acts with dialogue")
    func redEnvelope() throws {
        let screenplay = try Screenplay(contentsOf: Fountain.examples.appending(path: "red-envelope.txt"))
        #expect(screenplay.title == "The Envelope That Went Up")
        #expect(screenplay.scenes.map(\.heading?.text) == ["ACT 1", "ACT 2", "ACT 3"])
        #expect(screenplay.characters == ["UNCLE TANG", "TANG LEI", "COUSIN MEI", "GRANDMA TANG"])
        #expect(screenplay.scenes[1].dialogue.last?.parenthetical == "quietly")
    }
}
