import Foundation

extension String {
    /// The string escaped for use as one option value inside an FFmpeg filter graph: first for the filter's
    /// option parser (`\`, `'`, `:`), then for the graph parser (`\`, `'`, `[`, `]`, `,`, `;`), as the
    /// "Notes on filtergraph escaping" of the FFmpeg filters manual describe.
    var filterEscaped: String {
        let option = escaping(["\\", "'", ":"])
        return option.escaping(["\\", "'", "[", "]", ",", ";"])
    }

    /// The string as a single-quoted path in an FFmpeg concat list: `'` becomes `'\''`.
    var concatListQuoted: String {
        "'" + replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private func escaping(_ specials: Set<Character>) -> String {
        var escaped = ""
        for character in self {
            if specials.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
