import Foundation
import Synchronization

/// A font for `drawtext` and libass, discovered once per script with `fc-match`.
///
/// Latin text uses a Latin sans (DejaVu Sans first); text with any other script uses a CJK sans (Noto Sans CJK SC
/// first), which also covers Latin, Greek and Cyrillic. When `fc-match` is missing or finds nothing suitable,
/// well-known font files are tried.
struct Typeface: Sendable, Hashable {
    enum Script: Sendable, Hashable {
        case latin, cjk

        /// The script a text needs: Latin when every character is Latin (with accents) or common punctuation.
        init(of text: String) {
            let latin = text.unicodeScalars.allSatisfy { $0.value < 0x250 || (0x2000...0x206F).contains($0.value) }
            self = latin ? .latin : .cjk
        }
    }

    /// The fontconfig family, which libass and `drawtext`'s `font=` resolve (picking the right face of a `.ttc`).
    var family: String
    var file: String
    /// Whether fontconfig knows the font by `family`; otherwise only `file` is usable.
    var viaFontconfig: Bool

    /// The `drawtext` option that selects this font, escaped for a filter graph.
    var drawtextOption: String {
        viaFontconfig ? "font=\(family.filterEscaped)" : "fontfile=\(file.filterEscaped)"
    }

    /// The font for a script.
    /// - Throws: ``MediaError/Kind/fontNotFound`` saying which font package to install.
    static func locate(for script: Script) async throws -> Typeface {
        if let cached = cache.withLock({ $0[script] }) { return cached }
        let found = try await discover(script)
        cache.withLock { $0[script] = found }
        return found
    }

    private static let cache = Mutex<[Script: Typeface]>([:])

    private static func discover(_ script: Script) async throws -> Typeface {
        let (patterns, language, fallbacks): ([String], String, [(file: String, family: String)]) =
            switch script {
            case .latin:
                (["DejaVu Sans", "Noto Sans", "Liberation Sans", "Helvetica", "Arial"], "en", [
                    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"),
                    ("/System/Library/Fonts/Helvetica.ttc", "Helvetica"),
                ])
            case .cjk:
                (["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "PingFang SC", "sans-serif:lang=zh-cn"],
                 "zh-cn", [
                    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
                    ("/System/Library/Fonts/PingFang.ttc", "PingFang SC"),
                 ])
            }
        if let fcMatch = FFmpegTool.executableOnPath("fc-match", environment: ProcessInfo.processInfo.environment) {
            for pattern in patterns {
                let arguments = ["-f", "%{file}|%{family[0]}|%{lang}", pattern]
                guard let output = try? await ChildProcess(executable: fcMatch, arguments: arguments).run(),
                    output.status == 0
                else { continue }
                let fields = String(decoding: output.stdout, as: UTF8.self).split(separator: "|").map(String.init)
                if fields.count > 2, fields.dropFirst(2).contains(language) {
                    return Typeface(family: fields[1], file: fields[0], viaFontconfig: true)
                }
            }
        }
        try Task.checkCancellation()
        if let fallback = fallbacks.first(where: { FileManager.default.fileExists(atPath: $0.file) }) {
            return Typeface(family: fallback.family, file: fallback.file, viaFontconfig: false)
        }
        throw MediaError(
            .fontNotFound,
            "No \(script == .cjk ? "CJK" : "Latin") font was found. Install one (Debian/Ubuntu: "
                + "`apt-get install fonts-noto-cjk fonts-dejavu-core fontconfig`, macOS ships them).")
    }
}
