import Foundation
import HolySheepCore
import Hummingbird
import NIOCore

/// `POST /v1/credits/redeem` with `{"code": "HSR-…"}`: books a redemption code's value on the calling key.
struct RedemptionController: Sendable {
    let codes: RedemptionCodeRepository

    private struct Body: Decodable {
        let code: String
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.post("credits/redeem") { request, context in
            let buffer = try await request.body.collect(upTo: 4096)
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: buffer)), !body.code.isEmpty else {
                throw APIError(
                    status: 400, type: "invalid_request_error", code: "invalid_body",
                    message: "Send a JSON body with the code: {\"code\": \"HSR-XXXX-XXXX-XXXX-XXXX\"}.", param: "code")
            }
            let entry: LedgerEntry
            do {
                entry = try await codes.redeem(body.code, keyID: context.apiKey.id)
            } catch RedemptionCodeRepository.RedeemError.unknown {
                throw APIError(
                    status: 404, type: "invalid_request_error", code: "unknown_redemption_code",
                    message: "No redemption code matches \(body.code.prefix(8))…; check it was copied whole (HSR- and four groups of four).", param: "code")
            } catch let RedemptionCodeRepository.RedeemError.alreadyRedeemed(at, byCaller) {
                throw APIError(
                    status: 409, type: "invalid_request_error", code: "redemption_code_used",
                    message: "This code was already redeemed \(byCaller ? "by this key" : "by another key") at \(ISO8601DateFormatter().string(from: at)); "
                        + "a code is worth credits once.", param: "code")
            }
            let json =
                "{\"object\":\"redemption\",\"key_id\":\(context.apiKey.id.jsonQuoted),\"currency\":\"CNY\",\"amount\":\(entry.amount.exactString.jsonQuoted),"
                + "\"amount_micros\":\(entry.amount.micros)}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return routes
    }
}
