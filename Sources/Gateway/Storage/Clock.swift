import Foundation

enum Clock {
    /// Milliseconds since 1970, the timestamp format of every table.
    static func unixMilliseconds(_ date: Date = Date()) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(unixMilliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }

    /// The UTC calendar day of a timestamp, `2026-11-25` (reports and rollups count days in UTC).
    static func utcDay(unixMilliseconds: Int64) -> String {
        let (year, month, day) = civilDate(daysSinceEpoch: floorDivide(unixMilliseconds, 86_400_000))
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)  // not String(format:): once per usage row
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The UTC month of a timestamp, `2026-11` (monthly budgets reset on the first, UTC).
    static func utcMonth(unixMilliseconds: Int64) -> String {
        String(utcDay(unixMilliseconds: unixMilliseconds).prefix(7))
    }

    /// Milliseconds at 00:00 UTC of a `YYYY-MM-DD` day; nil if it is not a valid date.
    static func unixMilliseconds(utcDay text: String) -> Int64? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm), checked by converting back.
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        guard civilDate(daysSinceEpoch: days) == (year, month, day) else { return nil }
        return days * 86_400_000
    }

    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
