import Foundation
import Testing
@testable import Drama

/// The deterministic breakdown of the demo episode and the character sheets in its prompts.
@Suite struct StoryboardTests {
    static func demo() throws -> Screenplay {
        try Screenplay(contentsOf: Fountain.examples.appending(path: "spring-festival.fountain"))
    }

    @Test("the demo episode breaks into 4 to 8 shots per scene, about 45 in all, numbered sNN-MM")
    func deterministicBreakdown_ofDemo_hasFourToEightShotsPerScene() throws {
        let screenplay = try Self.demo()
        let shots = DeterministicBreakdown().shots(for: screenplay)
        let perScene = Dictionary(grouping: shots, by: \.sceneNumber).mapValues(\.count)
        #expect(perScene.count == 7)
        #expect(perScene.values.allSatisfy { (4...8).contains($0) }, "\(perScene)")
        #expect((40...50).contains(shots.count), "\(shots.count) shots")
        #expect(shots.first?.id == "s01-01")
        #expect(Set(shots.map(\.id)).count == shots.count)
        #expect(shots.allSatisfy { $0.id.wholeMatch(of: /s\d\d-\d\d/) != nil && (5...30).contains($0.durationSeconds) })
    }

    @Test("every spoken line of a scene is in exactly one of its shots, in order")
    func deterministicBreakdown_keepsEveryLineOnce() throws {
        let screenplay = try Self.demo()
        for scene in screenplay.scenes {
            let shots = DeterministicBreakdown().shots(for: scene, cast: screenplay.characters)
            #expect(shots.flatMap(\.dialogue).map(\.text) == scene.dialogue.map(\.text))
        }
    }

    @Test("a shot lasts long enough for its dialogue")
    func deterministicBreakdown_timesShotsByDialogue() throws {
        let timing = ShotTiming()
        for shot in DeterministicBreakdown().shots(for: try Self.demo()) {
            #expect(Double(shot.durationSeconds) >= timing.requiredSeconds(for: shot.dialogue.map(\.text)))
        }
    }

    @Test("an exchange too long for the longest accepted clip is split between its lines")
    func deterministicBreakdown_splitsExchangesLongerThanTheLongestClip() throws {
        let screenplay = try Self.demo()
        let shots = DeterministicBreakdown(timing: ShotTiming(acceptedDurations: [5, 10])).shots(for: screenplay.scenes[0], cast: screenplay.characters)
        #expect(shots.count == 7)
        #expect(shots.allSatisfy { ShotTiming().requiredSeconds(for: $0.dialogue.map(\.text)) <= 10 })
    }

    @Test("a one-paragraph scene is split and padded up to 4 shots")
    func deterministicBreakdown_ofShortScene_reachesFour() throws {
        let screenplay = try Screenplay(parsing: "EXT. ROOF - DAY\n\nMEI looks down. The city hums.\n\nMEI\nNot today.\n", format: .fountain)
        let shots = DeterministicBreakdown().shots(for: screenplay)
        #expect(shots.count == 4)
        #expect(shots.flatMap(\.dialogue).map(\.text) == ["Not today."])
    }

    @Test("every prompt that shows a character carries that character's sheet line")
    func prompts_carryCharacterSheets() async throws {
        let screenplay = try Self.demo()
        let cast = Cast(screenplay: screenplay)
        #expect(cast.characters.map(\.name) == screenplay.characters)
        #expect(cast.sheet("GRANDPA LIN")?.look.contains("GRANDPA LIN") == true)
        let board = await StoryboardPlanner().storyboard(for: screenplay, cast: cast)
        let withCharacters = board.shots.filter { !$0.characters.isEmpty }
        #expect(withCharacters.count > board.shots.count / 2)
        for shot in withCharacters {
            for name in shot.characters { #expect(shot.prompt.contains(cast.sheet(name)!.promptLine)) }
        }
    }

    @Test("characters.json round-trips and an edit is read back")
    func cast_savesAndLoads() throws {
        let folder = try TemporaryFolder()
        var cast = Cast(screenplay: try Self.demo())
        cast.characters[0].wardrobe = "a red down coat"
        let file = folder.url.appending(path: "characters.json")
        try cast.save(to: file)
        #expect(try Cast.load(from: file) == cast)
    }

    @Test("the storyboard encodes with the schema's snake_case keys")
    func storyboard_json() throws {
        let shot = Shot(id: "s01-01", sceneNumber: 1, description: "Snow.", cameraNote: "wide", emotionTone: "sad", durationSeconds: 6)
        let json = String(decoding: try JSONEncoder().encode(shot), as: UTF8.self)
        #expect(json.contains("\"emotion_tone\":\"sad\"") && json.contains("\"scene\":1") && json.contains("\"camera\":\"wide\""))
        #expect(try JSONDecoder().decode(Shot.self, from: Data(json.utf8)) == shot)
    }
}

/// A folder under the temporary directory, removed when the value is released.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "drama-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
