import SQLKit

/// Many rows sent as one bound JSON text (`[[…],[…]]`) and inserted with one `INSERT … SELECT` that unpacks it in
/// the database (SQLite `jsonb_each`, PostgreSQL `json_array_elements`).
///
/// Why: binding value by value costs the client, per value, an `Encodable` conversion and a dynamic cast in the
/// driver; a usage flush binds about 27 values per call, which made SQLKit's side of the flush more CPU than the
/// database's. One text per statement makes the flush shorter on the background thread and so shortens the bursts
/// the request loops compete with.
struct JSONRows {
    /// How a column's JSON value becomes its SQL type.
    enum Kind {
        case text, integer, bigint, double, boolean

        var postgresType: String {
            switch self {
            case .text: "text"
            case .integer: "integer"
            case .bigint: "bigint"
            case .double: "double precision"
            case .boolean: "boolean"
            }
        }
    }

    private var json: String
    private(set) var count = 0
    private var firstValue = true

    init(reservingBytesPerRow bytes: Int, rows: Int) {
        json = "["
        json.reserveCapacity(2 + bytes * rows)
    }

    /// The finished JSON text.
    var text: String { json + "]" }

    /// Appends one row; `body` adds its values in column order.
    mutating func row(_ body: (inout JSONRows) -> Void) {
        json.append(count == 0 ? "[" : ",[")
        count += 1
        firstValue = true
        body(&self)
        json.append("]")
    }

    private mutating func separate() {
        if firstValue { firstValue = false } else { json.append(",") }
    }

    mutating func add(_ value: Int64) {
        separate()
        json.append(String(value))
    }

    mutating func add(_ value: Int) { add(Int64(value)) }

    mutating func add(_ value: Bool) {
        separate()
        json.append(value ? "true" : "false")
    }

    /// Finite values only (latencies); a non-finite one is written as null rather than as invalid JSON.
    mutating func add(_ value: Double?) {
        separate()
        guard let value, value.isFinite else { return json.append("null") }
        json.append(value.description)  // the shortest text that reads back as the same Double
    }

    mutating func add(_ value: String?) {
        separate()
        guard let value else { return json.append("null") }
        Self.appendQuoted(value, to: &json)
    }

    /// Appends `value` as a JSON string. NUL becomes U+FFFD, as in ``UsageRecord``: PostgreSQL text can't hold it.
    static func appendQuoted(_ value: String, to json: inout String) {
        json.append("\"")
        defer { json.append("\"") }
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            return json.append(value)  // the usual case: ids, model names
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": json.append("\\\"")
            case "\\": json.append("\\\\")
            case "\u{0}": json.unicodeScalars.append("\u{FFFD}")
            case _ where scalar.value < 0x20:
                json.append("\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16))
            default: json.unicodeScalars.append(scalar)
            }
        }
    }

    /// `INSERT INTO table (columns) SELECT … FROM <rows>`, then `tail` (`ON CONFLICT …`, `RETURNING …`).
    static func insert(
        into table: String, columns: [(name: String, kind: Kind)], rows: JSONRows, tail: String = "", on database: any SQLDatabase
    ) -> SQLQueryString {
        let names = columns.map(\.name).joined(separator: ", ")
        let postgres = database.dialect.name == "postgresql"
        // SQLite's `->>` gives JSON numbers as INTEGER or REAL, true/false as 1/0, strings as TEXT; PostgreSQL's gives
        // text, cast to the column's type (exact for integers; doubles read back as written).
        let values = columns.indices.map { postgres ? "(r->>\($0))::\(columns[$0].kind.postgresType)" : "r.value->>\($0)" }
        // SQLite: `jsonb_each` hands each row over as binary JSON; `json_each` gave it as text, parsed again per column.
        let source = postgres ? "json_array_elements(" : "jsonb_each("
        // `WHERE true`: SQLite needs it to tell an upsert's ON CONFLICT from a join constraint after INSERT … SELECT.
        let head = "INSERT INTO \(table) (\(names)) SELECT \(values.joined(separator: ", ")) FROM \(source)"
        let end = (postgres ? "::json" : "") + ") AS r WHERE true " + tail
        return "\(unsafeRaw: head)\(bind: rows.text)\(unsafeRaw: end)"
    }
}
