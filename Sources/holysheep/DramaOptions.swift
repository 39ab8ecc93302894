import ArgumentParser
import Drama
import Foundation
import HolySheepCore
import HolySheepKit
import Media

/// The video and chat options `drama plan` and `drama produce` share.
struct DramaOptions: ParsableArguments {
    @Option(help: "Video model.") var model = "video-gen-2.1"
    @Option(help: "Chat model for the shot breakdown and character sheets (default: the deterministic breakdown, no model).") var chatModel: String?
    @Flag(help: "Let the chat model rewrite action into vivid, filmable description first (needs --chat-model).") var enhance = false
    @Option(help: "720p, 1080p or 4k.") var resolution = "1080p"
    @Option(help: "9:16, 16:9, 1:1, 4:3, 3:4 or 21:9.") var aspectRatio = "9:16"
    @Option(help: "Price of a second of video in CNY (default: the platform's /v1/models pricing, else the built-in catalog).") var pricePerSecond: String?
    @Option(help: "Market exchange rate the savings are computed against.") var marketRate = "7.3"
    @Option(help: "Clip durations the video model accepts, in seconds: a range (5-30) or a list (5,10).") var durations = "5-30"

    /// The timing rule with the accepted durations of `--durations`.
    func timing() throws -> ShotTiming {
        let parts = durations.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 2, let low = parts[0], let high = parts[1], 1 <= low, low <= high {
            return ShotTiming(acceptedDurations: Array(low...high))
        }
        let list = durations.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !list.isEmpty, list.count == durations.split(separator: ",").count else {
            throw ValidationError("--durations must be a range such as 5-30 or a list such as 5,10, got \(durations)")
        }
        return ShotTiming(acceptedDurations: list)
    }

    func validate() throws {
        if enhance && chatModel == nil { throw ValidationError("--enhance needs --chat-model") }
        _ = try format()
        _ = try timing()
    }

    func format() throws -> VideoFormat {
        do {
            return try VideoFormat(resolution: resolution, aspectRatio: aspectRatio)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The storyboard of `screenplay`, and the cast sheets it was prompted with.
    func storyboard(_ screenplay: Screenplay, client: HolySheepClient?) async -> (Storyboard, Cast) {
        var screenplay = screenplay
        let deterministic = DeterministicBreakdown(timing: (try? timing()) ?? ShotTiming())
        var planner = StoryboardPlanner(deterministic: deterministic)
        var cast = Cast(screenplay: screenplay)
        if let chatModel, let client {
            let model = HolySheepChatModel(client: client, model: chatModel)
            if enhance { screenplay = await ScriptEnhancer(model: model).enhance(screenplay) }
            cast = await Cast.described(by: model, screenplay: screenplay)
            planner.chat = ChatBreakdown(model: model, fallback: deterministic)
        }
        return (await planner.storyboard(for: screenplay, cast: cast), cast)
    }

    /// The prices: `--price-per-second`, else the platform's pricing for the model, else the built-in catalog's.
    func pricing(client: HolySheepClient?) async throws -> Pricing {
        guard let market = Decimal(exactly: marketRate), market > 0 else { throw ValidationError("--market-rate must be a positive number") }
        if let pricePerSecond {
            guard let price = Decimal(exactly: pricePerSecond), price >= 0 else { throw ValidationError("--price-per-second must be a number of yuan") }
            return Pricing(pricePerSecondCNY: price, marketRate: market)
        }
        if let client, let info = try? await client.model(id: model), let pricing = info.pricing, let price = pricing.cny.perSecond {
            return Pricing(pricePerSecondCNY: price, platformRate: pricing.platformRate, marketRate: market)
        }
        let defaults = GatewayConfiguration()
        guard let entry = defaults.models.first(where: { $0.name == model }), let usd = entry.price.perSecond(resolution: resolution) else {
            throw ValidationError("No price for \(model): pass --price-per-second, or reach a platform that lists it in /v1/models.")
        }
        return Pricing(pricePerSecondCNY: usd * defaults.billing.platformRate, platformRate: defaults.billing.platformRate, marketRate: market)
    }
}
