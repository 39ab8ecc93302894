import ArgumentParser

@main
struct HolySheep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holysheep",
        abstract: "HolySheep: one OpenAI-compatible endpoint for every chat and video model a studio uses.",
        subcommands: [Serve.self, Keys.self, Credits.self, Usage.self, Webhooks.self, Drama.self])
}
