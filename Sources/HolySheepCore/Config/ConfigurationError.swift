/// The configuration cannot be used: names the field (`server.port`), the line, and what is expected.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let line: Int?
    public let problem: String
    public let file: String?

    public init(field: String, line: Int?, problem: String, file: String? = nil) {
        self.field = field
        self.line = line
        self.problem = problem
        self.file = file
    }

    public var description: String {
        let place = [file, line.map { "line \($0)" }].compactMap { $0 }.joined(separator: ", ")
        let field = self.field.isEmpty ? "the document" : "`\(self.field)`"
        return place.isEmpty ? "\(field): \(problem)" : "\(field) (\(place)): \(problem)"
    }

    func inFile(_ file: String?) -> ConfigurationError {
        ConfigurationError(field: field, line: line, problem: problem, file: file)
    }
}
