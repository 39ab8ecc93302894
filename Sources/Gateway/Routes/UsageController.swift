import Foundation
import HolySheepCore
import Hummingbird
import NIOCore

/// `GET /v1/usage`: the calling key's usage per day and/or model from the daily rollups, with cost in CNY and what
/// the same usage costs at the market rate and at official provider prices. Query: `since`, `until` (UTC days,
/// `YYYY-MM-DD`, inclusive), `group_by` (`day`, `model` or `day,model`), `limit` (1–1000, default 100), `after`
/// (the previous page's `next_cursor`).
struct UsageController: Sendable {
    let reports: UsageReportRepository
    let billing: GatewayConfiguration.Billing

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get("usage") { request, context in
            let query = try Self.query(request.uri.queryParameters, keyID: context.apiKey.id)
            let report: UsageReport
            do {
                report = try await reports.report(query, billing: billing)
            } catch let error as ReportError {
                throw APIError(status: 400, type: "invalid_request_error", code: "invalid_cursor", message: "\(error.description); start again without `after`.", param: "after")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
        }
        return routes
    }

    static func query(_ parameters: Parameters, keyID: String) throws(APIError) -> UsageReportRepository.Query {
        var query = UsageReportRepository.Query(keyID: keyID)
        for name in ["since", "until"] {
            guard let value = parameters[Substring(name)].map(String.init) else { continue }
            guard Clock.unixMilliseconds(utcDay: value) != nil else {
                throw APIError(status: 400, type: "invalid_request_error", code: "invalid_date", message: "`\(name)` must be a UTC day such as 2026-11-25, got \(value).", param: name)
            }
            if name == "since" { query.since = value } else { query.until = value }
        }
        if let value = parameters["group_by"].map(String.init) {
            guard let grouping = UsageReport.Grouping(rawValue: value) else {
                throw APIError(status: 400, type: "invalid_request_error", code: "invalid_group_by", message: "`group_by` must be day, model or day,model; got \(value).", param: "group_by")
            }
            query.grouping = grouping
        }
        if let value = parameters["limit"].map(String.init) {
            guard let limit = Int(value), (1...1000).contains(limit) else {
                throw APIError(status: 400, type: "invalid_request_error", code: "invalid_limit", message: "`limit` must be a whole number from 1 to 1000; got \(value).", param: "limit")
            }
            query.limit = limit
        }
        query.after = parameters["after"].map(String.init)
        return query
    }
}
