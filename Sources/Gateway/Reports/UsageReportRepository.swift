import Foundation
import HolySheepCore
import SQLKit

/// Reads usage reports from the daily rollups (`usage_daily`), never from the raw usage rows: a report costs the
/// same however many calls there were.
public struct UsageReportRepository: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    public struct Query: Sendable {
        public var keyID: String?
        /// First and last UTC day included, `YYYY-MM-DD`.
        public var since: String?
        public var until: String?
        public var grouping: UsageReport.Grouping = .dayModel
        public var limit = 100
        /// The `next_cursor` of the previous page.
        public var after: String?

        public init(keyID: String? = nil, since: String? = nil, until: String? = nil, grouping: UsageReport.Grouping = .dayModel, limit: Int = 100, after: String? = nil) {
            self.keyID = keyID
            self.since = since
            self.until = until
            self.grouping = grouping
            self.limit = limit
            self.after = after
        }
    }

    public func report(_ query: Query, billing: GatewayConfiguration.Billing) async throws -> UsageReport {
        let groupColumns: [String] =
            switch query.grouping {
            case .day: ["day"]
            case .model: ["model"]
            case .dayModel: ["day", "model"]
            }
        var conditions: [SQLQueryString] = []
        if let keyID = query.keyID { conditions.append("key_id = \(bind: keyID)") }
        if let since = query.since { conditions.append("day >= \(bind: since)") }
        if let until = query.until { conditions.append("day <= \(bind: until)") }
        let filter = conditions.isEmpty ? SQLQueryString("") : " WHERE " + conditions.joined(separator: " AND ")
        let sums = """
            CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(failed) AS BIGINT) AS failed, CAST(SUM(prompt_tokens) AS BIGINT) AS prompt_tokens,
            CAST(SUM(completion_tokens) AS BIGINT) AS completion_tokens, CAST(SUM(cached_tokens) AS BIGINT) AS cached_tokens,
            CAST(SUM(video_seconds) AS BIGINT) AS video_seconds, CAST(SUM(cost_micros) AS BIGINT) AS cost_micros,
            CAST(SUM(list_usd_micros) AS BIGINT) AS list_usd_micros, CAST(SUM(official_usd_micros) AS BIGINT) AS official_usd_micros
            """
        let columns = groupColumns.joined(separator: ", ")
        // Keyset paging on the group columns: the cursor is the last row's `day|model`.
        var having = SQLQueryString("")
        if let after = query.after {
            let parts = after.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == groupColumns.count else { throw ReportError("the cursor \(after) does not belong to a report grouped by \(query.grouping.rawValue)") }
            having = groupColumns.count == 2 ? " HAVING (day, model) > (\(bind: parts[0]), \(bind: parts[1]))" : SQLQueryString(" HAVING \(unsafeRaw: columns) > ") + "\(bind: parts[0])"
        }
        let rowsQuery = SQLQueryString("SELECT \(unsafeRaw: columns), \(unsafeRaw: sums) FROM usage_daily") + filter
            + SQLQueryString(" GROUP BY \(unsafeRaw: columns)") + having + SQLQueryString(" ORDER BY \(unsafeRaw: columns) LIMIT \(unsafeRaw: String(query.limit + 1))")
        let totalsQuery = SQLQueryString("SELECT \(unsafeRaw: sums) FROM usage_daily") + filter
        // The rows and the totals from one snapshot: a usage flush committing between the two reads would make them
        // disagree (totals counting calls no row shows).
        let (rowList, totalRow) = try await store.snapshot { database in
            (try await database.raw(rowsQuery).all(), try await database.raw(totalsQuery).first())
        }
        let rows = try rowList.map { row in try Self.totals(row, day: groupColumns.contains("day"), model: groupColumns.contains("model")) }
        let totals = try totalRow.map { try Self.totals($0, day: false, model: false) } ?? UsageTotals()
        let page = Array(rows.prefix(query.limit))
        let hasMore = rows.count > query.limit
        return UsageReport(
            key_id: query.keyID, since: query.since, until: query.until, group_by: query.grouping.rawValue,
            platform_rate: billing.platformRate.plainString, market_rate: billing.marketRate.plainString,
            data: page.map { $0.row(marketRate: billing.marketRate) }, totals: totals.row(marketRate: billing.marketRate), has_more: hasMore,
            next_cursor: hasMore ? page.last.map { [$0.day, $0.model].compactMap { $0 }.joined(separator: "|") } : nil)
    }

    private static func totals(_ row: any SQLRow, day: Bool, model: Bool) throws -> UsageTotals {
        func int(_ column: String) throws -> Int64 { try row.decode(column: column, as: Int64?.self) ?? 0 }
        return UsageTotals(
            day: day ? try row.decode(column: "day", as: String.self) : nil, model: model ? try row.decode(column: "model", as: String.self) : nil,
            requests: try int("requests"), failed: try int("failed"), promptTokens: try int("prompt_tokens"), completionTokens: try int("completion_tokens"),
            cachedTokens: try int("cached_tokens"), videoSeconds: try int("video_seconds"), costMicros: try int("cost_micros"),
            listUSDMicros: try int("list_usd_micros"), officialUSDMicros: try int("official_usd_micros"))
    }
}

/// A report request that cannot be answered as asked; the message says why.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
