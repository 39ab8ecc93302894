/// Picks an index with probability proportional to its weight. Weights of 0 are never picked.
public enum WeightedPicker {
    /// - Returns: nil when every weight is 0.
    public static func pick(weights: [Int], using generator: inout some RandomNumberGenerator) -> Int? {
        var total = 0
        for weight in weights { total += max(0, weight) }
        guard total > 0 else { return nil }
        var ticket = Int.random(in: 0..<total, using: &generator)
        for (index, weight) in weights.enumerated() where weight > 0 {
            if ticket < weight { return index }
            ticket -= weight
        }
        return nil
    }
}
