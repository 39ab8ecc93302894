import Foundation

extension EpisodeAssembler {
    /// Draws a storyboard contact sheet as a PNG: the middle frame of each clip, left to right and top to bottom,
    /// each above its label.
    ///
    /// Every cell is `cellWidth` wide; its picture is as tall as the first clip's aspect ratio makes it
    /// (`cellWidth × height / width`, rounded to even), other clips fit inside it on black; the label band below is
    /// `cellWidth / 8` (rounded to even, at least 20) tall. The sheet is `columns × cellWidth` wide and
    /// `rows × (picture + band)` tall, with `rows = ⌈clips / columns⌉`; unused cells stay black.
    /// - Throws: ``MediaError/Kind/invalidArgument`` when there are no clips, the labels do not match the clips, or
    ///   `columns` or `cellWidth` is out of range.
    public func contactSheet(
        clips: [URL], labels: [String], columns: Int, cellWidth: Int = 320, to output: URL
    ) async throws {
        guard !clips.isEmpty, labels.count == clips.count else {
            throw MediaError(
                .invalidArgument,
                "A contact sheet needs at least one clip and one label per clip; got \(clips.count) clips and "
                    + "\(labels.count) labels.")
        }
        guard columns >= 1, (64...1920).contains(cellWidth) else {
            throw MediaError(
                .invalidArgument,
                "A contact sheet needs at least 1 column (got \(columns)) and cells 64 to 1920 pixels wide "
                    + "(got \(cellWidth)).")
        }
        var infos: [MediaInfo] = []
        for clip in clips { infos.append(try await probe.info(for: clip)) }
        let geometry = Self.contactSheetCell(width: cellWidth, firstClip: infos[0])
        let rows = (clips.count + columns - 1) / columns

        try await ScratchFiles.withDirectory { scratch in
            var inputs: [String] = []
            var cells: [String] = []
            for (index, (clip, info)) in zip(clips, infos).enumerated() {
                inputs += ["-threads", "1", "-ss", String(format: "%.3f", info.duration / 2), "-i", clip.path]
                let fontSize = Double(geometry.band) * 0.5
                let label = TextLayout(maxWidth: Double(cellWidth) * 0.92 / fontSize, maxLines: 1)
                    .wrap(labels[index]).text
                let file = scratch.appendingPathComponent("label-\(index).txt")
                try label.write(to: file, atomically: false, encoding: .utf8)
                let font = try await Typeface.locate(for: Typeface.Script(of: label))
                cells.append(
                    "[\(index):v]trim=end_frame=1,setpts=PTS-STARTPTS,"
                        + "scale=\(cellWidth):\(geometry.picture):force_original_aspect_ratio=decrease,"
                        + "pad=\(cellWidth):\(geometry.picture):(ow-iw)/2:(oh-ih)/2,setsar=1,format=rgb24,"
                        + "pad=\(cellWidth):\(geometry.picture + geometry.band):0:0:color=0x202020,"
                        + "drawtext=\(font.drawtextOption):textfile=\(file.path.filterEscaped):expansion=none"
                        + ":fontsize=\(Int(fontSize)):fontcolor=white:x=(w-text_w)/2"
                        + ":y=\(geometry.picture)+(\(geometry.band)-text_h)/2[cell\(index)]")
            }
            let graph = cells.joined(separator: ";") + ";"
                + (0..<clips.count).map { "[cell\($0)]" }.joined()
                + "concat=n=\(clips.count):v=1:a=0,tile=\(columns)x\(rows)[sheet]"
            try await ScratchFiles.writeAtomically(to: output) { partial in
                try await ffmpeg.run(
                    inputs + ["-filter_complex_threads", "\(threads)", "-filter_complex", graph, "-map", "[sheet]",
                              "-frames:v", "1", "-update", "1", "-c:v", "png", "-f", "image2", "-y", partial.path])
            }
        }
    }

    /// A contact-sheet cell's picture height and label-band height for a cell width.
    static func contactSheetCell(width: Int, firstClip: MediaInfo) -> (picture: Int, band: Int) {
        let picture = Int((Double(width * firstClip.height) / Double(firstClip.width) / 2).rounded()) * 2
        return (picture, max(20, Int((Double(width) / 16).rounded()) * 2))
    }
}
