import Foundation

/// ISO 8601 as mhv writes it (`2026-12-04T21:16:42.983292+00:00`, `2026-12-10T00:00:00+00:00`, `...Z`):
/// parsed by hand so microseconds and `+HH:MM` offsets read the same on every Foundation.
public enum ISODate {
    public static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= chars.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let digit = Int(chars[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard chars.count >= 10, let year = number(0, 4), chars[4] == 45, let month = number(5, 2), chars[7] == 45,
            let day = number(8, 2)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        var index = 10
        if chars.count > 10 {
            guard chars[10] == 84 || chars[10] == 32, let h = number(11, 2), chars.count > 13, chars[13] == 58,
                let m = number(14, 2)
            else { return nil }
            hour = h
            minute = m
            index = 16
            if index < chars.count, chars[index] == 58 {
                guard let s = number(17, 2) else { return nil }
                second = s
                index = 19
            }
            if index < chars.count, chars[index] == 46 {
                index += 1
                var scale = 0.1
                while index < chars.count, (48...57).contains(chars[index]) {
                    fraction += Double(chars[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < chars.count {
                if chars[index] == 90 {  // Z
                    index += 1
                } else if chars[index] == 43 || chars[index] == 45 {  // + or -
                    let sign = chars[index] == 43 ? 1 : -1
                    guard let oh = number(index + 1, 2) else { return nil }
                    var om = 0
                    if index + 3 < chars.count, chars[index + 3] == 58 {
                        guard let value = number(index + 4, 2) else { return nil }
                        om = value
                        index += 6
                    } else if let value = number(index + 3, 2) {
                        om = value
                        index += 5
                    } else {
                        index += 3
                    }
                    offsetSeconds = sign * (oh * 3600 + om * 60)
                }
            }
            guard index == chars.count else { return nil }
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        // Arithmetic, not `Calendar.date(from:)` (tens of microseconds a call on Linux, and the planner
        // parses every due date on each replan). A day past the month's end rolls over as Calendar does.
        let days = daysFromCivil(year: year, month: month, day: 1) + (day - 1)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds + offsetSeconds)).addingTimeInterval(fraction - Double(offsetSeconds))
    }

    /// Days from 1970-01-01 to this proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count from 1970-01-01 (`civil_from_days`).
    static func civilFromDays(_ z: Int) -> (year: Int, month: Int, day: Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026-12-04T21:16:42.983292+00:00`: the form mhv itself writes (UTC, microseconds).
    public static func format(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let micros = min(Int(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded()), 999_999)
        let total = Int(whole)
        let days = Int((Double(total) / 86_400).rounded(.down))
        let secondOfDay = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2))"
            + ":\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))+00:00"
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
