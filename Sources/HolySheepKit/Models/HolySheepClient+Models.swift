import Foundation

extension HolySheepClient {
    /// One model of the catalog with its pricing (`GET /v1/models/{id}`).
    /// - Throws: ``HolySheepError``: `404` `model_not_found` for a model the catalog lacks or the key may not use.
    public func model(id: String) async throws -> ModelInfo {
        let path = "/models/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-_.~"))) ?? id)
        return try await send(.get(path), decoding: ModelInfo.self)
    }
}
