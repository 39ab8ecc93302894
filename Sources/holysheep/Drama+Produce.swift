import ArgumentParser
import Drama
import Foundation
import HolySheepKit
import Logging
import Media

extension Drama {
    struct Produce: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce the episode into a folder: storyboard, clips, MP4, subtitles, contact sheet, report. Run it again to resume.")

        @Argument(help: "The script.") var script: String
        @Option(help: "The episode folder.") var out: String
        @Option(help: "Shots generated at once.") var concurrency = 4
        @Option(help: "Video submits per minute (polls are extra: about 30 per minute per shot in progress).") var rpm = 240
        @Flag(help: "Burn the subtitles into the picture.") var burnSubtitles = false
        @Flag(help: "Render previz clips on this machine instead of calling the platform (no API, no cost).") var localPreviz = false
        @OptionGroup var options: DramaOptions
        @OptionGroup var platform: DramaPlatform

        func validate() throws {
            guard concurrency >= 1, rpm >= 1 else { throw ValidationError("--concurrency and --rpm must be at least 1") }
            if localPreviz && (platform.embedded || options.chatModel != nil) {
                throw ValidationError("--local-previz uses no platform: drop --embedded and --chat-model")
            }
        }

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let screenplay = try Drama.read(script)
            let episode = EpisodeFolder(URL(fileURLWithPath: out))
            try episode.create()
            let media = try Drama.media()
            let (options, concurrency, rpm, burn) = (options, concurrency, rpm, burnSubtitles)
            let format = try options.format()
            let local = localPreviz ? try LocalPrevizClipSource(renderer: PrevizRenderer(ffmpeg: FFmpegTool.locate(.ffmpeg), threads: 1), format: format) : nil
            let produce: @Sendable (HolySheepClient?) async throws -> String = { client in
                let storyboard = try await Self.storyboard(screenplay, episode: episode, options: options, client: client)
                let pricing = try await options.pricing(client: client)
                print("\(storyboard.shots.count) shots, \(storyboard.totalSeconds) s; estimate ¥\(EpisodePlan(storyboard: storyboard, pricing: pricing).estimateCNY)")
                let source: any ClipSource = try local ?? HolySheepClipSource(client: client.unwrap(), model: options.model, format: format, assembler: media)
                let producer = try Producer.open(
                    folder: episode, storyboard: storyboard, model: options.model, resolution: format.resolution.rawValue,
                    aspectRatio: format.aspectRatio.rawValue, source: source,
                    options: ProducerOptions(concurrency: concurrency, requestsPerMinute: rpm), pricing: pricing, progress: ProgressDisplay())
                let state = try await producer.run()
                return try await Self.finish(episode, storyboard: storyboard, state: state, media: media, burnSubtitles: burn)
            }
            let path = localPreviz ? try await produce(nil) : try await platform.withClient(folder: episode.url, logger: logger) { try await produce($0) }
            print(path)
        }

        /// The saved storyboard (prompts refreshed from `characters.json`, which the user may have edited), or a new one.
        static func storyboard(_ screenplay: Screenplay, episode: EpisodeFolder, options: DramaOptions, client: HolySheepClient?) async throws -> Storyboard {
            let fileManager = FileManager.default
            if fileManager.fileExists(atPath: episode.storyboard.path) {
                var storyboard = try episode.loadStoryboard()
                if fileManager.fileExists(atPath: episode.characters.path) {
                    let cast = try episode.loadCast()
                    storyboard.shots = storyboard.shots.map(cast.prompted)
                    try episode.save(storyboard)
                }
                return storyboard
            }
            let (storyboard, cast) = await options.storyboard(screenplay, client: client)
            try cast.save(to: episode.characters)
            try episode.save(storyboard)
            for fallback in storyboard.fallbacks { print("note: scene \(fallback.scene): \(fallback.reason)") }
            return storyboard
        }

        /// Writes the report; assembles the episode when every shot is done. Returns the MP4's path.
        static func finish(_ episode: EpisodeFolder, storyboard: Storyboard, state: EpisodeState, media: EpisodeAssembler, burnSubtitles: Bool) async throws -> String {
            let report = EpisodeReport(storyboard: storyboard, state: state, pricing: state.pricing ?? Pricing(pricePerSecondCNY: 0))
            try report.write(to: episode)
            guard state.failedCount == 0 else {
                throw DramaError(
                    "\(state.failedCount) shot(s) failed (see \(episode.reportMarkdown.path)). Run produce again to retry them, "
                        + "or `holysheep drama regenerate \(episode.url.path) --shot ID`.")
            }
            let result = try await Assembler(media: media).assemble(episode, storyboard: storyboard, burnSubtitles: burnSubtitles)
            print("episode: \(String(format: "%.1f", result.duration)) s; subtitles \(result.subtitles.path); contact sheet \(result.contactSheet.path)")
            print("spent ¥\(report.totals.actualCNY) ($\(report.totals.actualUSD)); report \(episode.reportMarkdown.path)")
            return result.episode.path
        }
    }

    struct Regenerate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new clip for one shot, then reassemble the episode and its report.")

        @Argument(help: "The episode folder.") var folder: String
        @Option(help: "The shot id, such as s01-03.") var shot: String
        @Flag(help: "Burn the subtitles into the picture.") var burnSubtitles = false
        @Flag(help: "Render the previz clip on this machine instead of calling the platform (no API, no cost).") var localPreviz = false
        @OptionGroup var platform: DramaPlatform

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let episode = EpisodeFolder(URL(fileURLWithPath: folder))
            let storyboard = try episode.loadStoryboard()
            let saved = try episode.loadState()
            let media = try Drama.media()
            let format = try VideoFormat(resolution: saved.resolution, aspectRatio: saved.aspectRatio)
            let (shot, burn) = (shot, burnSubtitles)
            let local = localPreviz ? try LocalPrevizClipSource(renderer: PrevizRenderer(ffmpeg: FFmpegTool.locate(.ffmpeg), threads: 1), format: format) : nil
            let regenerate: @Sendable (HolySheepClient?) async throws -> String = { client in
                let source: any ClipSource = try local ?? HolySheepClipSource(client: client.unwrap(), model: saved.model, format: format, assembler: media)
                let producer = try Producer.open(
                    folder: episode, storyboard: storyboard, model: saved.model, resolution: saved.resolution, aspectRatio: saved.aspectRatio,
                    source: source, progress: ProgressDisplay())
                let record = try await producer.regenerate(shot)
                print("\(shot): \(record.status.name), regeneration \(record.regenerations), spent ¥\(record.spentCNY) on this shot")
                return try await Produce.finish(episode, storyboard: storyboard, state: producer.state, media: media, burnSubtitles: burn)
            }
            let path = localPreviz ? try await regenerate(nil) : try await platform.withClient(folder: episode.url, logger: logger) { try await regenerate($0) }
            print(path)
        }
    }
}

extension Optional where Wrapped == HolySheepClient {
    /// The client; only nil with --local-previz, which never asks for it.
    func unwrap() throws -> HolySheepClient {
        guard let self else { throw ValidationError("no platform client") }
        return self
    }
}
