import Foundation
import HolySheepCore

/// Usage totals per day and/or model, with what the same usage costs elsewhere: at the market exchange rate
/// (our USD list price × `billing.market_rate`) and at the model's official provider price paid at that rate.
/// Every amount is exact decimal text; nothing is a binary float.
public struct UsageReport: Sendable, Encodable {
    public enum Grouping: String, Sendable, CaseIterable {
        case day, model
        case dayModel = "day,model"
    }

    public struct Row: Sendable, Encodable {
        public var day: String?
        public var model: String?
        public var requests: Int64
        public var failed: Int64
        public var prompt_tokens: Int64
        public var completion_tokens: Int64
        public var cached_tokens: Int64
        public var video_seconds: Int64
        /// What was charged, CNY.
        public var cost_cny: String
        /// The list price of the usage, USD.
        public var list_usd: String
        /// The list price converted at the market rate instead of the platform rate.
        public var at_market_rate_cny: String
        /// The usage at the official provider's price, converted at the market rate.
        public var at_official_price_cny: String
        /// `at_official_price_cny − cost_cny`, and as a percentage of `at_official_price_cny`.
        public var savings_vs_official_cny: String
        public var savings_vs_official_percent: String?
        /// `at_market_rate_cny − cost_cny`.
        public var savings_vs_market_rate_cny: String
    }

    public var object = "usage.report"
    public var key_id: String?
    public var since: String?
    public var until: String?
    public var group_by: String
    public var currency = "CNY"
    public var platform_rate: String
    public var market_rate: String
    public var data: [Row]
    public var totals: Row
    public var has_more: Bool
    /// Pass as `after` for the next page.
    public var next_cursor: String?
}

/// Sums read from `usage_daily`, before conversion.
struct UsageTotals: Sendable {
    var day: String?
    var model: String?
    var requests: Int64 = 0
    var failed: Int64 = 0
    var promptTokens: Int64 = 0
    var completionTokens: Int64 = 0
    var cachedTokens: Int64 = 0
    var videoSeconds: Int64 = 0
    var costMicros: Int64 = 0
    var listUSDMicros: Int64 = 0
    var officialUSDMicros: Int64 = 0

    static func + (lhs: UsageTotals, rhs: UsageTotals) -> UsageTotals {
        var sum = lhs
        sum.requests += rhs.requests
        sum.failed += rhs.failed
        sum.promptTokens += rhs.promptTokens
        sum.completionTokens += rhs.completionTokens
        sum.cachedTokens += rhs.cachedTokens
        sum.videoSeconds += rhs.videoSeconds
        sum.costMicros += rhs.costMicros
        sum.listUSDMicros += rhs.listUSDMicros
        sum.officialUSDMicros += rhs.officialUSDMicros
        return sum
    }

    /// The report row: converted amounts are exact (micro-units × rate), shown in full.
    func row(marketRate: Decimal) -> UsageReport.Row {
        let cost = Money(micros: costMicros, .cny).decimal
        let atMarket = Money(micros: listUSDMicros, .usd).decimal * marketRate
        let atOfficial = Money(micros: officialUSDMicros, .usd).decimal * marketRate
        let savings = atOfficial - cost
        var percent: String?
        if atOfficial > 0 {
            var value = savings / atOfficial * 100
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 2, .plain)
            percent = rounded.plainString
        }
        return UsageReport.Row(
            day: day, model: model, requests: requests, failed: failed, prompt_tokens: promptTokens, completion_tokens: completionTokens,
            cached_tokens: cachedTokens, video_seconds: videoSeconds, cost_cny: cost.plainString, list_usd: Money(micros: listUSDMicros, .usd).exactString,
            at_market_rate_cny: atMarket.plainString, at_official_price_cny: atOfficial.plainString, savings_vs_official_cny: savings.plainString,
            savings_vs_official_percent: percent, savings_vs_market_rate_cny: (atMarket - cost).plainString)
    }
}
