import Foundation
import Testing
@testable import Drama

@Suite struct ScreenplayJSONTests {
    @Test("an element is one flat object: type, text, line, then only the fields it has")
    func elementShape() throws {
        let elements = try Fountain.parse("INT. KITCHEN - NIGHT #12#\n\n# ACT ONE\n\nMOM (V.O.) ^\nEat!").elements
        #expect(elements.map(\.jsonObject.jsonLine) == [
            ##"{"type":"scene_heading","text":"INT. KITCHEN - NIGHT","line":1,"raw_text":"INT. KITCHEN - NIGHT #12#","scene_number":"12"}"##,
            ##"{"type":"section","text":"ACT ONE","line":3,"raw_text":"# ACT ONE","depth":1}"##,
            #"{"type":"character","text":"MOM","line":5,"raw_text":"MOM (V.O.) ^","extensions":["V.O."],"dual":true}"#,
            #"{"type":"dialogue","text":"Eat!","line":6,"dual":true}"#,
        ])
    }

    @Test("strings are escaped for JSON but Chinese stays readable")
    func escaping() {
        #expect(OrderedJSONObject<ScreenplayElement.CodingKeys>.quoted("饺子 \"hot\"\n\\\t\u{1}") == #""饺子 \"hot\"\n\\\t\u0001""#)
    }

    @Test("json() writes title page, scene outline and elements one object a line")
    func document() throws {
        let screenplay = try Fountain.parse("Title: Reunion\n\nINT. HOUSE - DAY\n\nMEI\nHi.")
        #expect(screenplay.json() == """
            {
              "title_page": [
                {"key":"Title","value":"Reunion","line":1}
              ],
              "scenes": [
                {"number":1,"heading":"INT. HOUSE - DAY","line":3,"characters":["MEI"]}
              ],
              "elements": [
                {"type":"scene_heading","text":"INT. HOUSE - DAY","line":3},
                {"type":"character","text":"MEI","line":5},
                {"type":"dialogue","text":"Hi.","line":6}
              ]
            }

            """)
    }

    @Test("json() is valid JSON that JSONDecoder reads back into the same screenplay")
    func roundTrip() throws {
        let screenplay = try Screenplay(contentsOf: Fountain.examples.appending(path: "spring-festival.fountain"))
        #expect(try JSONDecoder().decode(Screenplay.self, from: Data(screenplay.json().utf8)) == screenplay)
        #expect(try JSONDecoder().decode(Screenplay.self, from: JSONEncoder().encode(screenplay)) == screenplay)
        let scene = screenplay.scenes[1]
        #expect(try JSONDecoder().decode(Scene.self, from: JSONEncoder().encode(scene)) == scene)
    }

    @Test("JSONEncoder writes the same keys as json()")
    func encoderKeys() throws {
        let screenplay = try Fountain.parse("INT. HOUSE - DAY #2#\n\n## Beat\n\nMEI\nHi.")
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(screenplay)) as? [String: Any])
        #expect(Set(object.keys) == ["title_page", "scenes", "elements"])
        let elements = try #require(object["elements"] as? [[String: Any]])
        #expect(Set(elements[0].keys) == ["type", "text", "line", "raw_text", "scene_number"])
        #expect(elements[1]["depth"] as? Int == 2)
        let scenes = try #require(object["scenes"] as? [[String: Any]])
        #expect(Set(scenes[0].keys) == ["number", "heading", "line", "scene_number", "characters"])
    }
}
