/// A script read into typed elements: the title page, every element in source order, and the elements grouped
/// into scenes.
///
/// ```swift
/// let screenplay = try Screenplay(contentsOf: URL(filePath: "examples/spring-festival.fountain"))
/// for scene in screenplay.scenes {
///     print(scene.heading?.text ?? "(opening)", scene.characters)
/// }
/// print(screenplay.json())
/// ```
public struct Screenplay: Sendable, Hashable, Codable {
    public let titlePage: [TitlePageField]
    /// Every element in source order, notes included.
    public let elements: [ScreenplayElement]
    /// The elements grouped under their scene headings; derived from `elements`.
    public let scenes: [Scene]

    public init(titlePage: [TitlePageField] = [], elements: [ScreenplayElement]) {
        self.titlePage = titlePage
        self.elements = elements
        self.scenes = Scene.scenes(of: elements)
    }

    /// The title page's `Title`, if there is one.
    public var title: String? {
        titlePage.first { $0.key.lowercased() == "title" }?.value
    }

    /// Everyone who speaks, in order of their first line.
    public var characters: [String] {
        var seen = Set<String>()
        return scenes.flatMap(\.characters).filter { seen.insert($0).inserted }
    }

    // MARK: JSON

    private enum CodingKeys: String, CodingKey {
        case titlePage = "title_page", scenes, elements
    }

    /// A scene as listed in the screenplay's JSON; its elements are in the `elements` list already.
    private enum OutlineKeys: String, CodingKey {
        case number, heading, line, sceneNumber = "scene_number", characters
    }

    private func outline(of scene: Scene) -> OrderedJSONObject<OutlineKeys> {
        var object = OrderedJSONObject<OutlineKeys>()
        object.add(.number, scene.number)
        object.add(.heading, scene.heading?.text)
        object.add(.line, scene.line)
        object.add(.sceneNumber, scene.heading?.sceneNumber)
        object.add(.characters, scene.characters)
        return object
    }

    /// Encodes `title_page`, a `scenes` outline (number, heading, line, scene number, characters) and `elements`.
    /// Decoding rebuilds the scenes from the elements and ignores the outline.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(titlePage, forKey: .titlePage)
        var scenesContainer = container.nestedUnkeyedContainer(forKey: .scenes)
        for scene in scenes {
            try outline(of: scene).encode(to: scenesContainer.superEncoder())
        }
        try container.encode(elements, forKey: .elements)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            titlePage: try container.decodeIfPresent([TitlePageField].self, forKey: .titlePage) ?? [],
            elements: try container.decode([ScreenplayElement].self, forKey: .elements))
    }

    /// The screenplay as stable, readable JSON: the same document as `JSONEncoder` writes, but one object per line
    /// with keys in a fixed order (`type`, `text`, `line`, then the optional fields):
    ///
    /// ```json
    /// {
    ///   "title_page": [
    ///     {"key":"Title","value":"Spring Festival","line":1}
    ///   ],
    ///   "scenes": [
    ///     {"number":1,"heading":"INT. KITCHEN - NIGHT","line":12,"characters":["MEI"]}
    ///   ],
    ///   "elements": [
    ///     {"type":"scene_heading","text":"INT. KITCHEN - NIGHT","line":12}
    ///   ]
    /// }
    /// ```
    public func json() -> String {
        func list(_ key: CodingKeys, _ lines: [String], last: Bool = false) -> String {
            let quotedKey = OrderedJSONObject<CodingKeys>.quoted(key.stringValue)
            let body = lines.isEmpty ? "[]" : "[\n    " + lines.joined(separator: ",\n    ") + "\n  ]"
            return "  \(quotedKey): \(body)" + (last ? "\n" : ",\n")
        }
        return "{\n"
            + list(.titlePage, titlePage.map(\.jsonObject.jsonLine))
            + list(.scenes, scenes.map { outline(of: $0).jsonLine })
            + list(.elements, elements.map(\.jsonObject.jsonLine), last: true)
            + "}\n"
    }
}
