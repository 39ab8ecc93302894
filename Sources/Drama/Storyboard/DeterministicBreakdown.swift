/// Breaks a scene into 4 to 8 shots from the screenplay's own structure, without a model.
///
/// Each action paragraph is a beat, and consecutive dialogue is grouped into exchanges of two lines. While a scene
/// has more than ``maximumShots`` beats, the two neighbours with the fewest words between them are merged; while it
/// has fewer than ``minimumShots``, the largest beat is split (dialogue between its lines, action between its
/// paragraphs or sentences), and when nothing can be split an establishing shot of the location, then reaction
/// shots, are added. An exchange too long to be read within the longest accepted duration is split between its
/// lines while the scene has room. Camera notes follow the beat (wide for the first action, close-ups for one speaker,
/// over-the-shoulder for an exchange); the emotion tone comes from words in the beat, else the scene.
///
/// ```swift
/// let shots = DeterministicBreakdown().shots(for: screenplay.scenes[0], cast: screenplay.characters)
/// ```
public struct DeterministicBreakdown: Sendable {
    public var minimumShots = 4
    public var maximumShots = 8
    public var timing: ShotTiming

    public init(timing: ShotTiming = ShotTiming()) {
        self.timing = timing
    }

    /// Every scene's shots, in order.
    public func shots(for screenplay: Screenplay) -> [Shot] {
        screenplay.scenes.flatMap { shots(for: $0, cast: screenplay.characters) }
    }

    /// One scene's shots, numbered `sNN-01`….
    /// - Parameter cast: every character of the screenplay, to find who an action paragraph shows.
    public func shots(for scene: Scene, cast: [String]) -> [Shot] {
        let beats = fitted(Self.beats(of: scene), heading: scene.heading?.text)
        let sceneTone = EmotionTone.guess(scene.elements.map(\.text).joined(separator: " ")) ?? "neutral"
        return beats.enumerated().map { index, beat in
            shot(beat, number: index + 1, of: beats.count, scene: scene, cast: cast, sceneTone: sceneTone)
        }
    }

    /// The scene's beats in order: one per action paragraph (or centered text), one per two consecutive lines.
    static func beats(of scene: Scene) -> [ShotBeat] {
        let linesBySource = Dictionary(scene.dialogue.map { ($0.line, $0) }, uniquingKeysWith: { first, _ in first })
        var beats: [ShotBeat] = []
        var exchangeOpen = false
        for element in scene.elements {
            switch element.kind {
            case .action, .centered:
                beats.append(ShotBeat(actions: [element.text]))
                exchangeOpen = false
            case .dialogue, .lyric:
                guard let line = linesBySource[element.line] else { continue }
                if exchangeOpen, let last = beats.last, last.lines.count < 2 {
                    beats[beats.count - 1].lines.append(line)
                } else {
                    beats.append(ShotBeat(lines: [line]))
                    exchangeOpen = true
                }
            case .character, .parenthetical, .note:
                continue
            default:
                exchangeOpen = false
            }
        }
        return beats
    }

    /// Merges or splits beats until there are `minimumShots…maximumShots`.
    func fitted(_ input: [ShotBeat], heading: String?) -> [ShotBeat] {
        var beats = input
        while beats.count > maximumShots {
            let pairs = beats.indices.dropLast()
            let index = pairs.min { beats[$0].weight + beats[$0 + 1].weight < beats[$1].weight + beats[$1 + 1].weight }!
            beats[index] = beats[index].merged(with: beats[index + 1])
            beats.remove(at: index + 1)
        }
        // A beat whose dialogue cannot be read within the longest accepted clip is split between its lines, room
        // permitting.
        let longest = Double(timing.acceptedDurations.last ?? 30)
        while beats.count < maximumShots,
            let index = beats.indices.first(where: { beats[$0].lines.count >= 2 && timing.requiredSeconds(for: beats[$0].lines.map(\.text)) > longest }),
            let (first, second) = beats[index].split()
        {
            beats.replaceSubrange(index...index, with: [first, second])
        }
        while beats.count < minimumShots {
            let splittable = beats.indices.filter { beats[$0].split() != nil }
            if let index = splittable.max(by: { beats[$0].weight < beats[$1].weight }), let (first, second) = beats[index].split() {
                beats.replaceSubrange(index...index, with: [first, second])
            } else if !beats.contains(where: \.isEstablishing) {
                let place = heading.map { "Establishing shot: \($0.capitalized)." } ?? "Establishing shot of the setting."
                beats.insert(ShotBeat(actions: [place], isEstablishing: true), at: 0)
            } else {
                let speaker = beats.last?.lines.last?.speaker
                beats.append(ShotBeat(actions: [speaker.map { "Close on \($0.capitalized), reacting in silence." } ?? "A quiet moment holds."]))
            }
        }
        return beats
    }

    func shot(_ beat: ShotBeat, number: Int, of count: Int, scene: Scene, cast: [String], sceneTone: String) -> Shot {
        let speakers = beat.lines.map(\.speaker).uniqued()
        let onScreenSpeakers = beat.lines.filter { !$0.extensions.contains { ["V.O.", "O.S.", "O.C."].contains($0.uppercased()) } }
            .map(\.speaker)
        let seen = beat.actions.flatMap { CharacterMatcher.mentions(in: $0, cast: cast) }
        let characters = (seen + onScreenSpeakers).uniqued()
        var description = beat.actions.joined(separator: " ")
        if description.isEmpty {
            let who = speakers.map(\.capitalized)
            let manner = beat.lines.compactMap(\.parenthetical).first.map { ", \($0)" } ?? ""
            description = who.count == 1 ? "\(who[0]) speaks\(manner)." : "\(who.dropLast().joined(separator: ", ")) and \(who.last!) talk\(manner)."
        }
        let camera: String
        if beat.isEstablishing {
            camera = "wide establishing shot, slow drift"
        } else if beat.isDialogueOnly {
            camera = speakers.count == 1 ? "medium close-up on \(speakers[0].capitalized)" : "over-the-shoulder two-shot"
        } else if number == 1 {
            camera = "wide shot, slow push in"
        } else if number == count {
            camera = "medium shot, slow pull back"
        } else {
            camera = ["medium shot, handheld", "close-up, shallow focus", "tracking shot"][number % 3]
        }
        let text = (beat.actions + beat.lines.map { ($0.parenthetical ?? "") + " " + $0.text }).joined(separator: " ")
        let lines = beat.lines.map { Shot.Line(speaker: $0.speaker, text: $0.text) }
        return Shot(
            id: Shot.id(scene: scene.number, number: number), sceneNumber: scene.number, description: description,
            cameraNote: camera, characters: characters, dialogue: lines,
            emotionTone: EmotionTone.guess(text) ?? sceneTone, durationSeconds: timing.duration(for: lines.map(\.text)))
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, first occurrence kept.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
