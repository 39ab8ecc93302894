/// The line-level rules of Fountain 1.1 (https://fountain.io/syntax), shared by the parser and the format sniffer.
///
/// Every function takes a line without leading or trailing whitespace; the parser decides where in a paragraph a
/// rule may apply (a heading or a cue must open one, an unforced transition must stand alone).
enum FountainSyntax {
    /// A character cue: `MOM (V.O.)`, `@McCLANE`, `BRICK ^`.
    struct Cue: Equatable {
        var name: String
        var extensions: [String]
        /// The `^` that puts this speech beside the previous one.
        var isDual: Bool
    }

    private static let headingPrefixes = ["INT./EXT", "INT/EXT", "I/E", "INT", "EXT", "EST"]

    /// True for a line that starts like a scene heading (`INT.`, `ext `, `I/E`, …) without being forced.
    static func startsLikeHeading(_ line: String) -> Bool {
        let upper = line.prefix(9).uppercased()
        return headingPrefixes.contains { prefix in
            upper.hasPrefix(prefix) && upper.dropFirst(prefix.count).first.map { $0 == "." || $0 == " " } == true
        }
    }

    /// A scene heading — one of the standard prefixes in any case, or forced with a leading `.` (but not `...`) —
    /// split from its optional scene number: `INT. HOUSE - DAY #1A#` → (`INT. HOUSE - DAY`, `1A`).
    static func sceneHeading(_ line: String) -> (text: String, number: String?)? {
        let forced = line.hasPrefix(".") && !line.hasPrefix("..") && line.count > 1
        guard forced || startsLikeHeading(line) else { return nil }
        let heading = forced ? line.dropFirst().trimmingWhitespace : line
        guard heading.hasSuffix("#"), let open = heading.dropLast().lastIndex(of: "#") else { return (heading, nil) }
        let number = heading[heading.index(after: open)..<heading.index(before: heading.endIndex)]
        let isNumber = !number.isEmpty && number.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return isNumber ? (heading[..<open].trimmingWhitespace, String(number)) : (heading, nil)
    }

    /// A transition's text: forced with `>` anywhere, or an upper-case line ending in `TO:` that stands alone.
    static func transition(_ line: String, standsAlone: Bool) -> String? {
        if line.hasPrefix(">"), !line.hasSuffix("<") { return line.dropFirst().trimmingWhitespace }
        guard standsAlone, line.hasSuffix("TO:"), !line.contains(where: \.isLowercase) else { return nil }
        return line
    }

    /// The elements that are always one line and may appear anywhere: page breaks (`===`), sections (`#`),
    /// synopses (`=`), centered text (`>THE END<`) and lyrics (`~`). Returns the kind and its marked-up text.
    static func standalone(_ line: String) -> (kind: ScreenplayElement.Kind, content: String)? {
        if let lyric = lyric(line) { return (.lyric, lyric) }
        if line.count >= 3, line.allSatisfy({ $0 == "=" }) { return (.pageBreak, "") }
        if line.hasPrefix("#") {
            let depth = line.prefix { $0 == "#" }.count
            return (.section(depth: depth), line.dropFirst(depth).trimmingWhitespace)
        }
        if line.hasPrefix("=") { return (.synopsis, line.dropFirst().trimmingWhitespace) }
        if line.count >= 2, line.hasPrefix(">"), line.hasSuffix("<") {
            return (.centered, line.dropFirst().dropLast().trimmingWhitespace)
        }
        return nil
    }

    /// A lyric line's text, or nil if the line doesn't start with `~`.
    static func lyric(_ line: String) -> String? {
        line.hasPrefix("~") ? line.dropFirst().trimmingWhitespace : nil
    }

    static func isParenthetical(_ line: String) -> Bool {
        line.hasPrefix("(") && line.hasSuffix(")")
    }

    /// A character cue: forced with `@`, or a name with at least one upper-case letter and no lower-case one
    /// (extensions in parentheses may be any case). Names without letter case, such as Chinese ones, need the `@`.
    static func cue(_ line: String) -> Cue? {
        let forced = line.hasPrefix("@")
        guard !line.hasPrefix("!") else { return nil }
        var body = Substring(forced ? line.dropFirst().trimmingWhitespace : line)
        let isDual = body.hasSuffix("^")
        if isDual { body = Substring(body.dropLast().trimmingTrailingWhitespace) }
        let name = body.prefix { $0 != "(" }.trimmingWhitespace
        var extensions: [String] = []
        var rest = body.drop { $0 != "(" }
        while rest.hasPrefix("("), let close = rest.firstIndex(of: ")") {
            extensions.append(rest[rest.index(after: rest.startIndex)..<close].trimmingWhitespace)
            rest = rest[rest.index(after: close)...].drop(while: \.isWhitespace)
        }
        guard !name.isEmpty, rest.isEmpty else { return nil }
        guard forced || (name.contains(where: \.isUppercase) && !name.contains(where: \.isLowercase)) else { return nil }
        return Cue(name: name, extensions: extensions, isDual: isDual)
    }

    /// A title-page entry `Key: value`: the key is letters and spaces and starts the line.
    static func titlePageEntry(_ line: String) -> (key: String, value: String)? {
        guard let colon = line.firstIndex(of: ":"), let first = line.first, first.isLetter else { return nil }
        let key = line[..<colon]
        guard key.allSatisfy({ $0.isLetter || $0 == " " }) else { return nil }
        return (key.trimmingWhitespace, line[line.index(after: colon)...].trimmingWhitespace)
    }

    /// The keys Fountain documents for a title page; sniffing a script's format only trusts these.
    static let standardTitleKeys: Set<String> = [
        "title", "credit", "author", "authors", "source", "draft date", "date", "contact", "copyright", "notes",
        "revision",
    ]
}
