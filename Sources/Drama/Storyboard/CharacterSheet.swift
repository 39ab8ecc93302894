/// How one character looks, so every shot that shows them describes them the same way.
public struct CharacterSheet: Sendable, Hashable, Codable {
    /// The name as cued: `GRANDPA LIN`.
    public var name: String
    /// Age, build, face, hair: `an old man with a white crew cut and laughing eyes`.
    public var look: String
    /// Clothes: `a padded navy jacket, sleeves rolled`.
    public var wardrobe: String
    /// An image of the character, passed to video models that take a reference frame.
    public var referenceImageURL: String?

    public init(name: String, look: String, wardrobe: String, referenceImageURL: String? = nil) {
        self.name = name
        self.look = look
        self.wardrobe = wardrobe
        self.referenceImageURL = referenceImageURL
    }

    /// The line added to a shot prompt: `GRANDPA LIN: an old man …; wearing a padded navy jacket.`
    public var promptLine: String {
        let look = look.trimmingWhitespace
        let wardrobe = wardrobe.trimmingWhitespace
        var line = "\(name): \(look.isEmpty ? "as established" : look)"
        if !wardrobe.isEmpty { line += "; wearing \(wardrobe)" }
        return line.hasSuffix(".") ? line : line + "."
    }

    /// The sheet for a character nobody described: neutral, so the model invents nothing contradictory.
    static func neutral(_ name: String) -> CharacterSheet {
        CharacterSheet(name: name, look: "\(name.capitalized), as first seen; keep the same face and hair in every shot", wardrobe: "the same clothes throughout the scene")
    }

    enum CodingKeys: String, CodingKey {
        case name, look, wardrobe, referenceImageURL = "reference_image_url"
    }
}
