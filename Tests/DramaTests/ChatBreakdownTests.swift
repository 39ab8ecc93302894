import Foundation
import HolySheepKit
import Synchronization
import Testing
@testable import Drama

/// A chat model that answers from a script of replies and records what it was sent.
final class ScriptedChatModel: ChatModel {
    let name = "scripted-model"
    private let replies: Mutex<[String]>
    let conversations = Mutex<[[ChatMessage]]>([])

    init(_ replies: [String]) {
        self.replies = Mutex(replies)
    }

    func complete(_ messages: [ChatMessage], responseFormat: ResponseFormat?) async throws -> String {
        conversations.withLock { $0.append(messages) }
        guard case .jsonSchema = responseFormat else { throw DramaError("expected a json_schema response format") }
        return replies.withLock { $0.isEmpty ? "{" : $0.removeFirst() }
    }
}

@Suite struct ChatBreakdownTests {
    static let scene = """
        INT. KITCHEN - NIGHT

        ZHOU LAN folds dumplings. GRANDPA LIN hides a coin in one.

        GRANDPA LIN
        This one is Xiaoyu's. The coin brings a lucky year.

        ZHOU LAN
        Ba... she isn't coming.
        """

    static func validAnswer(speaker: String = "GRANDPA LIN") -> String {
        let line = Array(repeating: "word", count: 20).joined(separator: " ")
        let shots = (1...4).map { index in
            """
            {"description": "Shot \(index) of the kitchen.", "camera": "close-up", "characters": ["ZHOU LAN", "\(speaker)"],
             "dialogue": \(index == 2 ? "[{\"speaker\": \"\(speaker)\", \"text\": \"\(line)\"}]" : "[]"), "emotion_tone": "warm", "duration": 5}
            """
        }
        return "{\"shots\": [\(shots.joined(separator: ","))]}"
    }

    @Test("broken JSON is sent back with the problem, and the corrected answer is used")
    func brokenJSON_isRetriedWithTheErrorFedBack() async throws {
        let screenplay = try Fountain.parse(Self.scene)
        let model = ScriptedChatModel(["{\"shots\": [{\"description\": \"trunc", Self.validAnswer()])
        let result = await ChatBreakdown(model: model).shots(for: screenplay.scenes[0], cast: screenplay.characters)
        #expect(result.fallbackReason == nil)
        #expect(result.attempts == 2)
        #expect(result.shots.map(\.id) == ["s01-01", "s01-02", "s01-03", "s01-04"])
        #expect(result.shots[1].durationSeconds == 10, "20 words need 8 s + 2 s, whatever the model said")
        let second = model.conversations.withLock { $0[1] }
        #expect(second.count == 4)
        #expect(second[3].content?.text.contains("not valid JSON") == true)
    }

    @Test("an unknown character and a wrong shot count are named in the feedback")
    func invalidShots_areNamed() async throws {
        let screenplay = try Fountain.parse(Self.scene)
        let tooFew = "{\"shots\": [{\"description\": \"x\", \"camera\": \"y\", \"characters\": [], \"dialogue\": [], \"emotion_tone\": \"warm\", \"duration\": 5}]}"
        let model = ScriptedChatModel([tooFew, Self.validAnswer(speaker: "AUNTIE WANG"), Self.validAnswer()])
        let result = await ChatBreakdown(model: model).shots(for: screenplay.scenes[0], cast: screenplay.characters)
        #expect(result.attempts == 3 && result.fallbackReason == nil)
        let last = model.conversations.withLock { $0[2] }
        #expect(last[3].content?.text.contains("has 1 shots; give between 4 and 8") == true)
        #expect(last[5].content?.text.contains("\"AUNTIE WANG\", not a character") == true)
    }

    @Test("after three bad answers the scene falls back to the deterministic breakdown, and the storyboard says so")
    func threeBadAnswers_fallBack() async throws {
        let screenplay = try Fountain.parse(Self.scene)
        let model = ScriptedChatModel(["nope", "{}", "{\"shots\": 3}"])
        let board = await StoryboardPlanner(chat: ChatBreakdown(model: model)).storyboard(for: screenplay, cast: Cast(screenplay: screenplay))
        #expect(model.conversations.withLock { $0.count } == 3)
        #expect(board.fallbacks.map(\.scene) == [1])
        #expect(board.fallbacks[0].reason.contains("scripted-model gave no valid shot list after 3 attempts"))
        #expect(board.shots == DeterministicBreakdown().shots(for: screenplay).map(Cast(screenplay: screenplay).prompted))
    }

    @Test("code fences around the JSON are tolerated")
    func fencedJSON_isRepaired() throws {
        let shots = try ShotListSchema(cast: ["ZHOU LAN", "GRANDPA LIN"]).shots(from: "```json\n\(Self.validAnswer())\n```", scene: 3)
        #expect(shots.count == 4 && shots[0].id == "s03-01" && shots[0].characters == ["ZHOU LAN", "GRANDPA LIN"])
    }
}

/// The optional chat-model steps: character sheets and script enhancement.
@Suite struct ChatEnrichmentTests {
    @Test("a chat model's character sheets replace the script's; characters it leaves out keep theirs")
    func castDescribedByModel() async throws {
        let screenplay = try Fountain.parse(ChatBreakdownTests.scene)
        let model = ScriptedChatModel(["{\"characters\": [{\"name\": \"Zhou Lan\", \"look\": \"a woman of 55, hair in a bun\", \"wardrobe\": \"a floral apron\"}]}"])
        let cast = await Cast.described(by: model, screenplay: screenplay)
        #expect(cast.sheet("ZHOU LAN") == CharacterSheet(name: "ZHOU LAN", look: "a woman of 55, hair in a bun", wardrobe: "a floral apron"))
        #expect(cast.sheet("GRANDPA LIN") == Cast(screenplay: screenplay).sheet("GRANDPA LIN"))
        #expect(cast.sheet("ZHOU LAN")?.promptLine == "ZHOU LAN: a woman of 55, hair in a bun; wearing a floral apron.")
    }

    @Test("the enhancer rewrites action only when the answer has one text per paragraph")
    func enhancerRewritesAction() async throws {
        let screenplay = try Fountain.parse(ChatBreakdownTests.scene)
        let vivid = "Steam curls over a floured board as ZHOU LAN's quick fingers pleat dumplings."
        let enhanced = await ScriptEnhancer(model: ScriptedChatModel(["{\"actions\": [\"\(vivid)\"]}"])).enhance(screenplay)
        #expect(enhanced.scenes[0].actionBeats.map(\.text) == [vivid])
        #expect(enhanced.scenes[0].dialogue == screenplay.scenes[0].dialogue)
        let unchanged = await ScriptEnhancer(model: ScriptedChatModel(["{\"actions\": [\"a\", \"b\"]}"])).enhance(screenplay)
        #expect(unchanged == screenplay)
    }
}
