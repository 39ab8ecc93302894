import ArgumentParser
import Gateway

@main
struct HolySheep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holysheep",
        abstract: "HolySheep: one OpenAI-compatible endpoint for every chat and video model a studio uses.",
        subcommands: [Serve.self, Keys.self, Credits.self, Usage.self, Webhooks.self, Drama.self])

    /// Starts the shared event loops first thing, on the main thread (see ``EventLoopExecutor/startLoops()``).
    static func main() async {
        EventLoopExecutor.startLoops()
        await main(nil)
    }
}
