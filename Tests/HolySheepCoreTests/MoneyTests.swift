import Foundation
import Testing
@testable import HolySheepCore

@Suite struct MoneyTests {
    @Test(arguments: [
        ("0.0000005", 1), ("0.00000049", 0), ("-0.0000005", -1), ("0.000015540", 16), ("12.3456785", 12_345_679), ("0", 0),
    ])
    func rounding_isHalfAwayFromZeroToOneMicroUnit(amount: String, micros: Int64) {
        #expect(Money(exactly: Decimal(string: amount)!, .cny).micros == micros)
    }

    @Test func centsString_showsTwoDecimalsRoundedTheSameWay() {
        #expect(Money(micros: 12_345_000, .cny).centsString == "12.35")
        #expect(Money(micros: 12_344_999, .cny).centsString == "12.34")
        #expect(Money(micros: 5_000_000, .cny).centsString == "5.00")
        #expect(Money(micros: 50_000, .cny).centsString == "0.05")
    }

    @Test func sums_areExact() {
        let total = (0..<1_000_000).reduce(Money.zero(.cny)) { sum, _ in sum + Money(micros: 1, .cny) }
        #expect(total.exactString == "1")
    }
}

@Suite struct PricingTests {
    let deepseek = Price(inputPerMTok: Decimal(string: "0.42"), outputPerMTok: Decimal(string: "0.42"))
    let claude = Price(inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: Decimal(string: "0.30"))

    @Test func chatCharge_isTokensTimesPricePerMillionTimesThePlatformRate() {
        // 24 in + 13 out at $0.42/MTok = $0.00001554 exactly; at ¥1 = $1 the ledger records ¥0.000016.
        let charge = deepseek.charge(for: TokenUsage(promptTokens: 24, completionTokens: 13), platformRate: 1)
        #expect(charge.usdExact == Decimal(string: "0.00001554"))
        #expect(charge.cny.micros == 16)
        // At the market rate of 7.3 the same call would be ¥0.000113442 → ¥0.000113.
        #expect(deepseek.charge(for: TokenUsage(promptTokens: 24, completionTokens: 13), platformRate: Decimal(string: "7.3")!).cny.micros == 113)
    }

    @Test func cachedTokens_arePartOfThePromptAndPricedOnce() {
        // 1 000 prompt tokens of which 800 cached: 200 × $3 + 800 × $0.30 + 100 × $15 per million.
        let usd = claude.usd(for: TokenUsage(promptTokens: 1_000, completionTokens: 100, cachedTokens: 800))
        #expect(usd == Decimal(string: "0.00234"))
    }

    @Test func theGuidesMonthlyExample_isComputedExactly() {
        // 50 M tokens a month: GPT-4.1 at $8/MTok = $400 = ¥2 920 at 7.3; DeepSeek V3.2 at $0.42 = $21 = ¥21 at ¥1 = $1.
        let gpt = Price(inputPerMTok: 8, outputPerMTok: 8)
        let usage = TokenUsage(promptTokens: 25_000_000, completionTokens: 25_000_000)
        #expect(gpt.charge(for: usage, platformRate: Decimal(string: "7.3")!).cny == Money(micros: 2_920_000_000, .cny))
        #expect(deepseek.charge(for: usage, platformRate: 1).cny == Money(micros: 21_000_000, .cny))
    }

    @Test func videoCharge_isSecondsTimesPricePerSecond() {
        let video = Price(perSecond: Decimal(string: "0.05"))
        #expect(video.usd(videoSeconds: 5) == Decimal(string: "0.25"))
    }
}

@Suite struct TariffTests {
    @Test func theIntegerTariff_agreesWithTheExactDecimalPath_onRandomUsage() throws {
        var generator = SystemRandomNumberGenerator()
        var integerPaths = 0
        let prices = ["0.42", "2.50", "15", "8", "0.028", "3.3333", "0.000001"].map { Decimal(string: $0)! }
        for _ in 0..<2_000 {
            let price = Price(
                inputPerMTok: prices.randomElement(using: &generator), outputPerMTok: prices.randomElement(using: &generator),
                cachedInputPerMTok: Bool.random(using: &generator) ? nil : prices.randomElement(using: &generator))
            let rate = [Decimal(1), Decimal(string: "7.3")!, Decimal(string: "0.5")!].randomElement(using: &generator)!
            let prompt = Int.random(in: 0...2_000_000, using: &generator)
            let usage = TokenUsage(
                promptTokens: prompt, completionTokens: Int.random(in: 0...200_000, using: &generator),
                cachedTokens: Int.random(in: 0...prompt, using: &generator))
            let pricing = ChatPricing(price: price, officialPrice: nil, platformRate: rate)
            if pricing.charged != nil { integerPaths += 1 }  // nil when price × rate needs more than 6 decimals
            #expect(pricing.charge(for: usage) == Money(exactly: price.usd(for: usage) * rate, .cny))
            #expect(pricing.listPrice(for: usage) == Money(exactly: price.usd(for: usage), .usd))
        }
        #expect(integerPaths > 1_000)
    }

    @Test func aPriceFinerThanAPicoUnitPerToken_hasNoTariff() {
        #expect(Tariff(price: Price(inputPerMTok: Decimal(string: "0.0000001"), outputPerMTok: 1), rate: 1, currency: .cny) == nil)
    }
}
