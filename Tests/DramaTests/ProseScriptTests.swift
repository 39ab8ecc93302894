import Foundation
import Testing
@testable import Drama

@Suite struct ProseScriptTests {
    typealias Pair = Fountain.Pair

    let guideStyle = """
        EPISODE 3: "The Lantern Riddle"

        ACT 1: The Wang family hangs lanterns in the courtyard.
        Grandpa Wang: Higher! The rabbit lantern goes highest.
        Xiao Ming (giggling): It looks like a potato.

        ACT 2: Nobody can solve the riddle on the last lantern.
        The snow starts again.
        """

    @Test("an EPISODE line becomes the title page, each act a scene with its text as action")
    func actsBecomeScenes() throws {
        let screenplay = try Screenplay(parsing: guideStyle)
        #expect(screenplay.titlePage.map { "\($0.key)=\($0.value)" } == ["Episode=3", "Title=The Lantern Riddle"])
        #expect(screenplay.scenes.map(\.heading?.text) == ["ACT 1", "ACT 2"])
        #expect(screenplay.scenes.map(\.heading?.sceneNumber) == ["1", "2"])
        #expect(screenplay.scenes[1].actionBeats.map(\.text) == ["Nobody can solve the riddle on the last lantern.\nThe snow starts again."])
        #expect(screenplay.scenes[1].line == 7)
    }

    @Test("Name: line is dialogue with an upper-cased speaker, and a parenthetical before the colon is kept")
    func nameColonDialogue() throws {
        let scene = try Screenplay(parsing: guideStyle).scenes[0]
        #expect(scene.characters == ["GRANDPA WANG", "XIAO MING"])
        #expect(scene.dialogue.map(\.parenthetical) == [nil, "giggling"])
        #expect(scene.dialogue[0].text == "Higher! The rabbit lantern goes highest.")
        #expect(scene.dialogue.map(\.line) == [4, 5])
        #expect(scene.elements[2].rawText == "Grandpa Wang")
    }

    @Test("story notes before a colon, lower-case phrases and a parenthetical after the colon are handled")
    func colonLines() throws {
        let screenplay = try Screenplay(parsing: "SCENE 1: Kitchen.\nNote: shoot it handheld.\nThen, quietly: she leaves.\nMei: (whispering) Go.")
        #expect(screenplay.elements.map { Pair($0.kind, $0.text) } == [
            Pair(.sceneHeading, "SCENE 1"), Pair(.action, "Kitchen.\nNote: shoot it handheld.\nThen, quietly: she leaves."),
            Pair(.character, "MEI"), Pair(.parenthetical, "(whispering)"), Pair(.dialogue, "Go."),
        ])
    }

    @Test("Chinese act markers, episode line and full-width colons read like English ones")
    func chinese() throws {
        let screenplay = try Screenplay(parsing: "第1集：《团圆饭》\n\n第一幕：除夕夜，全家包饺子。\n奶奶：多吃点！\n\n第二幕\n烟花升起。")
        #expect(screenplay.title == "团圆饭")
        #expect(screenplay.scenes.map(\.heading?.text) == ["第一幕", "第二幕"])
        #expect(screenplay.scenes.map(\.heading?.sceneNumber) == ["一", "二"])
        #expect(screenplay.scenes[0].dialogue.map { "\($0.speaker): \($0.text)" } == ["奶奶: 多吃点！"])
        #expect(screenplay.scenes[1].actionBeats.map(\.text) == ["烟花升起。"])
    }

    @Test("with both acts and scenes, acts are sections with a synopsis and scenes are the scenes")
    func actsAndScenes() throws {
        let screenplay = try Screenplay(parsing: "Act One: The reunion.\nScene 1: The station.\nScene 2: The kitchen.\n\nAct Two\nScene 3: The fireworks.")
        #expect(screenplay.elements.map { Pair($0.kind, $0.text) } == [
            Pair(.section(depth: 1), "Act One"), Pair(.synopsis, "The reunion."), Pair(.sceneHeading, "Scene 1"),
            Pair(.action, "The station."), Pair(.sceneHeading, "Scene 2"), Pair(.action, "The kitchen."),
            Pair(.section(depth: 1), "Act Two"), Pair(.sceneHeading, "Scene 3"), Pair(.action, "The fireworks."),
        ])
    }

    @Test("paragraphs before the first marker are synopses")
    func preamble() throws {
        let screenplay = try Screenplay(parsing: "A comedy about a stubborn grandpa.\n\nACT 1: He refuses the cake.")
        #expect(screenplay.elements.map(\.kind) == [.synopsis, .sceneHeading, .action])
    }

    @Test("prose without any marker is a single opening scene")
    func noMarkers() throws {
        let screenplay = try Screenplay(parsing: "The family eats.\n\nGrandma: More!\n\nEveryone groans.")
        #expect(screenplay.scenes.count == 1)
        #expect(screenplay.scenes[0].heading == nil)
        #expect(screenplay.scenes[0].actionBeats.count == 2)
        #expect(screenplay.characters == ["GRANDMA"])
    }
}

@Suite struct ScriptFormatTests {
    @Test("the extension decides: .fountain and .spmd are Fountain, others are sniffed", arguments: [
        ("fountain", ScriptFormat.fountain), ("FOUNTAIN", .fountain), ("spmd", .fountain), ("txt", nil), ("", nil),
    ])
    func byExtension(fileExtension: String, format: ScriptFormat?) {
        #expect(ScriptFormat(fileExtension: fileExtension) == format)
    }

    @Test("text with a scene heading or a Fountain title page sniffs as Fountain, else prose", arguments: [
        ("Snow.\n\nINT. HOUSE - DAY\n\nWarm.", ScriptFormat.fountain), ("Title: Reunion\nAuthor: Mei\n\nSnow.", .fountain),
        ("EPISODE 1: \"Reunion\"\n\nACT 1: Snow.", .prose), ("Grandma: Eat!\n\nACT 1: Snow.", .prose),
        ("The family eats dumplings.", .prose),
    ])
    func sniffing(text: String, format: ScriptFormat) {
        #expect(ScriptFormat(sniffing: text) == format)
    }

    @Test("a forced format wins over the extension and the sniffing")
    func forcing() throws {
        let fountain = "INT. HOUSE - DAY\n\nWarm."
        let data = Data(fountain.utf8)
        #expect(try Screenplay(data: data, fileExtension: "txt").scenes[0].heading?.text == "INT. HOUSE - DAY")
        #expect(try Screenplay(data: data, fileExtension: "fountain", format: .prose).scenes[0].heading == nil)
        #expect(try Screenplay(parsing: "ACT 1: Snow.", format: .fountain).scenes[0].actionBeats.map(\.text) == ["ACT 1: Snow."])
    }
}
