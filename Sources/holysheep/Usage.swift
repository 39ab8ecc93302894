import ArgumentParser
import Foundation
import Gateway
import HolySheepCore

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Usage and cost per day and model, with what it would cost at the market rate and at official prices.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    @OptionGroup var storage: StorageOptions
    @Option(help: "Only this key (key_…); default all keys.") var key: String?
    @Option(help: "First UTC day included, YYYY-MM-DD.") var since: String?
    @Option(help: "Last UTC day included, YYYY-MM-DD.") var until: String?
    @Option(name: .customLong("group-by"), help: "day, model or day,model.") var groupBy: String = "day,model"
    @Option(help: "table, csv or json.") var format: Format = .table
    @Option(help: "Most rows to show.") var limit: Int = 1000

    func run() async throws {
        let logger = CommandLogging.bootstrap(defaultLevel: .warning)
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Date.utcDay(value) == nil { throw ValidationError("\(name) must be a day such as 2026-11-25, got \(value)") }
        }
        guard let grouping = UsageReport.Grouping(rawValue: groupBy) else { throw ValidationError("--group-by must be day, model or day,model") }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        let configuration = try storage.loadConfiguration()
        let report = try await storage.withStore(configuration, logger: logger) { store in
            try await UsageReportRepository(store: store).report(
                .init(keyID: key, since: since, until: until, grouping: grouping, limit: limit), billing: configuration.billing)
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .csv:
            print(Self.columns.map(\.title).joined(separator: ","))
            for row in report.data + [report.totals] { print(Self.cells(row, total: row.day == nil && row.model == nil).joined(separator: ",")) }
        case .table:
            let rows = [Self.columns.map(\.title)] + (report.data + [report.totals]).map { Self.cells($0, total: $0.day == nil && $0.model == nil) }
            let widths = Self.columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
            print("Charged at ¥\(report.platform_rate) per $1; market rate ¥\(report.market_rate) per $1."
                + (report.has_more ? " More rows: raise --limit." : ""))
        }
    }

    private static let columns: [(title: String, value: @Sendable (UsageReport.Row) -> String)] = [
        ("day", { $0.day ?? "" }), ("model", { $0.model ?? "" }), ("requests", { "\($0.requests)" }), ("failed", { "\($0.failed)" }),
        ("prompt_tokens", { "\($0.prompt_tokens)" }), ("completion_tokens", { "\($0.completion_tokens)" }), ("video_seconds", { "\($0.video_seconds)" }),
        ("cost_cny", \.cost_cny), ("list_usd", \.list_usd), ("at_market_rate_cny", \.at_market_rate_cny),
        ("at_official_price_cny", \.at_official_price_cny), ("savings_vs_official_cny", \.savings_vs_official_cny),
        ("savings_percent", { $0.savings_vs_official_percent ?? "" }),
    ]

    private static func cells(_ row: UsageReport.Row, total: Bool) -> [String] {
        var cells = columns.map { $0.value(row) }
        if total { cells[0] = "TOTAL" }
        return cells
    }
}

extension Date {
    /// A `YYYY-MM-DD` day, or nil.
    static func utcDay(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
