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
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
            let base = utcCalendar.date(from: components)
        else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }

    /// `2026-12-04T21:16:42.983292+00:00`: the form mhv itself writes (UTC, microseconds).
    public static func format(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - whole) * 1_000_000).rounded())
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, min(micros, 999_999))
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
