import Foundation
import Yams

/// One node of the YAML configuration with its dotted path, for errors that name the field and its line.
struct ConfigNode {
    let node: Node
    let path: String

    var line: Int? { node.mark?.line }

    var isNull: Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func fail(_ problem: String) -> ConfigurationError {
        ConfigurationError(field: path, line: line, problem: problem)
    }

    /// The members of a mapping, refusing names not in `known` (and duplicates).
    func mapping(known: [String]) throws(ConfigurationError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping of fields (\(known.joined(separator: ", ")))") }
        var result: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw ConfigurationError(field: path, line: key.mark?.line, problem: "field names must be plain strings")
            }
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            guard known.contains(name) else {
                throw ConfigurationError(
                    field: childPath, line: key.mark?.line,
                    problem: "unknown field; the fields here are \(known.joined(separator: ", "))")
            }
            guard result[name] == nil else {
                throw ConfigurationError(field: childPath, line: key.mark?.line, problem: "the field is given twice")
            }
            let child = ConfigNode(node: value, path: childPath)
            if !child.isNull { result[name] = child }
        }
        return result
    }

    func sequence() throws(ConfigurationError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw fail("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]") }
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a text value") }
        return scalar.string
    }

    func nonEmptyString() throws(ConfigurationError) -> String {
        let value = try string()
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("must not be empty") }
        return value
    }

    func integer(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), range.contains(value) else {
            throw fail("expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(describe)")
        }
        return value
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard case .scalar(let scalar) = node else { throw fail("expected true or false") }
        switch scalar.string.lowercased() {
        case "true": return true
        case "false": return false
        default: throw fail("expected true or false, got \(describe)")
        }
    }

    /// A non-negative exact decimal (`0.42`), read from the YAML text itself, never through a binary float.
    func decimal(positive: Bool = false) throws(ConfigurationError) -> Decimal {
        guard case .scalar(let scalar) = node, let value = Decimal(exactly: scalar.string), value >= 0, !positive || value > 0 else {
            throw fail("expected a \(positive ? "positive" : "non-negative") decimal number such as 0.42, got \(describe)")
        }
        return value
    }

    /// A positive (or, with `allowZero`, non-negative) number of seconds, fractions allowed (`0.5`).
    func duration(allowZero: Bool = false) throws(ConfigurationError) -> Duration {
        guard case .scalar(let scalar) = node, let value = Decimal(exactly: scalar.string), allowZero ? value >= 0 : value > 0,
            value <= 86_400
        else {
            throw fail("expected a number of seconds \(allowZero ? "from 0" : "above 0") up to 86400, such as 2 or 0.5, got \(describe)")
        }
        return .milliseconds(Int64(NSDecimalNumber(decimal: value * 1000).doubleValue.rounded()))
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigurationError) -> T where T.RawValue == String {
        let value = try string()
        guard let result = T(rawValue: value) else {
            throw fail("expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \(describe)")
        }
        return result
    }

    private var describe: String {
        switch node {
        case .scalar(let scalar): "`\(scalar.string)`"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

