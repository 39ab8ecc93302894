/// Finds which characters a piece of action mentions.
enum CharacterMatcher {
    /// The cast members `text` names: the full cue name, or one of its words of four letters or more
    /// (`Grandpa` for `GRANDPA LIN`, `Xiaoyu` for `LIN XIAOYU`), as a whole word, ignoring case.
    static func mentions(in text: String, cast: [String]) -> [String] {
        let words = Set(text.uppercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }.map(String.init))
        let upper = text.uppercased()
        return cast.filter { name in
            let nameWords = name.uppercased().split(separator: " ").map(String.init)
            if nameWords.count > 1, upper.contains(name.uppercased()) { return true }
            return nameWords.contains { $0.count >= 4 && words.contains($0) } || (nameWords.count == 1 && words.contains(nameWords[0]))
        }
    }
}
