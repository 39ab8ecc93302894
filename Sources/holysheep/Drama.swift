import ArgumentParser
import Drama
import Foundation
import HolySheepKit
import Logging
import Media

/// `holysheep drama …`: a script in, an episode out, through the platform's own API.
struct Drama: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce a short-drama episode from a script: parse, plan, produce, regenerate a shot, report.",
        subcommands: [Parse.self, Plan.self, Produce.self, Regenerate.self, Report.self])

    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the parsed screenplay as JSON: each element's type, text and source line.")

        @Argument(help: "A Fountain screenplay (.fountain) or plain prose with acts and scenes.") var script: String

        func run() async throws {
            print(try Drama.read(script).json(), terminator: "")
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the shot list and the cost estimate; nothing is spent.")

        @Argument(help: "The script.") var script: String
        @OptionGroup var options: DramaOptions
        @OptionGroup var platform: DramaPlatform

        func run() async throws {
            let logger = CommandLogging.bootstrap(defaultLevel: .warning)
            let screenplay = try Drama.read(script)
            let environment = ProcessInfo.processInfo.environment
            let options = options
            let plan: @Sendable (HolySheepClient?) async throws -> String = { client in
                let (storyboard, _) = await options.storyboard(screenplay, client: client)
                return EpisodePlan(storyboard: storyboard, pricing: try await options.pricing(client: client)).text
            }
            if platform.embedded || environment["HOLYSHEEP_API_KEY"] != nil {
                let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("holysheep-plan-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: scratch) }
                print(try await platform.withClient(folder: scratch, logger: logger) { try await plan($0) }, terminator: "")
            } else {
                guard options.chatModel == nil else {
                    throw ValidationError("--chat-model needs a platform: set HOLYSHEEP_BASE_URL and HOLYSHEEP_API_KEY, or pass --embedded")
                }
                print(try await plan(nil), terminator: "")
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write report.md and report.json for an episode folder and print the Markdown.")

        @Argument(help: "The episode folder (the --out of produce).") var folder: String
        @Option(help: "Market exchange rate the savings are computed against (default: the one saved with the episode, else 7.3).") var marketRate: String?

        func run() async throws {
            let episode = EpisodeFolder(URL(fileURLWithPath: folder))
            let storyboard = try episode.loadStoryboard()
            let state = try episode.loadState()
            var pricing = state.pricing ?? Pricing(pricePerSecondCNY: 0)
            if let marketRate {
                guard let rate = Decimal(string: marketRate), rate > 0 else { throw ValidationError("--market-rate must be a positive number") }
                pricing.marketRate = rate
            }
            let report = EpisodeReport(storyboard: storyboard, state: state, pricing: pricing)
            try report.write(to: episode)
            print(report.markdown, terminator: "")
        }
    }

    /// Reads and parses a script, with a message that names the file.
    static func read(_ path: String) throws -> Screenplay {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("no script at \(path)") }
        return try Screenplay(contentsOf: url)
    }

    /// The ffmpeg tools, or a message saying how to install them.
    static func media() throws -> EpisodeAssembler {
        EpisodeAssembler(ffmpeg: try FFmpegTool.locate(.ffmpeg), ffprobe: try FFmpegTool.locate(.ffprobe))
    }
}
