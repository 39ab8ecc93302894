import Foundation

extension Screenplay {
    /// Parses a script.
    ///
    /// ```swift
    /// let screenplay = try Screenplay(parsing: "INT. KITCHEN - NIGHT\n\nMEI\nHappy New Year!\n")
    /// ```
    ///
    /// - Parameters:
    ///   - text: the script; any line endings.
    ///   - format: how it is written; nil to sniff it (see `ScriptFormat.init(sniffing:)`).
    /// - Throws: `ScreenplayError` for an empty script, an unterminated `/*` boneyard or `[[` note, or a script in
    ///   which no scene could be read.
    public init(parsing text: String, format: ScriptFormat? = nil) throws {
        guard text.contains(where: { !$0.isWhitespace && $0 != "\u{FEFF}" }) else { throw ScreenplayError.emptyScript }
        switch format ?? ScriptFormat(sniffing: text) {
        case .fountain:
            let parser = FountainParser(try ScriptSource(text))
            self.init(titlePage: parser.titlePage, elements: parser.elements)
        case .prose:
            let parser = ProseParser(text)
            self.init(titlePage: parser.titlePage, elements: parser.elements)
        }
        guard !scenes.isEmpty else { throw ScreenplayError.noScenes }
    }

    /// Parses a script's bytes, which must be UTF-8.
    ///
    /// - Parameters:
    ///   - data: the file's contents.
    ///   - fileExtension: the file's extension; `fountain` and `spmd` mean Fountain, others leave it to sniffing.
    ///   - format: forces the format, whatever the extension says.
    /// - Throws: `ScreenplayError.notUTF8` with the line of the first invalid byte, or any error of
    ///   `init(parsing:format:)`.
    public init(data: Data, fileExtension: String? = nil, format: ScriptFormat? = nil) throws {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ScreenplayError.notUTF8(line: Self.lineOfFirstInvalidByte(in: data))
        }
        try self.init(parsing: text, format: format ?? fileExtension.flatMap(ScriptFormat.init(fileExtension:)))
    }

    /// Reads and parses a script file; its extension decides the format unless `format` is given.
    ///
    /// - Throws: the file system's error if the file can't be read, else as `init(data:fileExtension:format:)`.
    public init(contentsOf url: URL, format: ScriptFormat? = nil) throws {
        try self.init(data: Data(contentsOf: url), fileExtension: url.pathExtension, format: format)
    }

    private static func lineOfFirstInvalidByte(in data: Data) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var validCount = 0
        while case .valid(let scalar) = parser.parseScalar(from: &bytes) { validCount += scalar.count }
        return data.prefix(validCount).count { $0 == UInt8(ascii: "\n") } + 1
    }
}
