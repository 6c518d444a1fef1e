public import Foundation

/// A five-field cron schedule (`minute hour day-of-month month day-of-week`) in a time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, and names
/// (`jan`…`dec`, `sun`…`sat`; 7 is Sunday too). As in Vixie cron, when both day-of-month and
/// day-of-week are restricted, a day matches if either matches.
public struct CronSchedule: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let expression: String
    public let timeZone: String
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool

    /// Why an expression is not a valid schedule.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(_ expression: String, timeZone: String = "UTC") throws(ParseError) {
        guard TimeZone(identifier: timeZone) != nil else {
            throw ParseError(description: "unknown time zone '\(timeZone)' (use an IANA name such as Europe/Berlin or UTC)")
        }
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        self.expression = expression
        self.timeZone = timeZone
        minutes = try Self.field(fields[0], "minute", 0...59, names: [:])
        hours = try Self.field(fields[1], "hour", 0...23, names: [:])
        days = try Self.field(fields[2], "day-of-month", 1...31, names: [:])
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        months = try Self.field(fields[3], "month", 1...12, names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) }))
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        let rawWeekdays = try Self.field(fields[4], "day-of-week", 0...7, names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) }))
        weekdays = Set(rawWeekdays.map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    public var description: String { "\(expression) (\(timeZone))" }

    enum CodingKeys: String, CodingKey { case expression, timeZone }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do { try self.init(try c.decode(String.self, forKey: .expression), timeZone: try c.decode(String.self, forKey: .timeZone)) }
        catch let error as ParseError { throw DecodingError.dataCorruptedError(forKey: .expression, in: c, debugDescription: error.description) }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(expression, forKey: .expression)
        try c.encode(timeZone, forKey: .timeZone)
    }

    /// The first time strictly after `date` that the schedule fires (within the next 5 years).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone)!
        // Start at the next whole minute.
        guard var candidate = calendar.date(bySetting: .second, value: 0, of: date.addingTimeInterval(60)) else { return nil }
        if candidate <= date { candidate = candidate.addingTimeInterval(60) }
        let limit = date.addingTimeInterval(5 * 366 * 86400)
        while candidate < limit {
            let c = calendar.dateComponents([.month, .day, .hour, .minute, .weekday], from: candidate)
            guard let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute, let weekday = c.weekday else { return nil }
            if !months.contains(month) || !dayMatches(day: day, weekday: weekday - 1) {
                // Skip to the start of the next day.
                guard let nextDay = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) else { return nil }
                candidate = nextDay
                continue
            }
            if !hours.contains(hour) {
                guard let nextHour = calendar.date(byAdding: .minute, value: 60 - minute, to: candidate) else { return nil }
                candidate = nextHour
                continue
            }
            if minutes.contains(minute) { return candidate }
            candidate = candidate.addingTimeInterval(60)
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String: Int]) throws(ParseError) -> Set<Int> {
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            var base = part, step = 1
            if let slash = part.firstIndex(of: "/") {
                base = String(part[..<slash])
                guard let s = Int(part[part.index(after: slash)...]), s > 0 else {
                    throw ParseError(description: "bad step in \(name) field '\(text)'")
                }
                step = s
            }
            let bounds: ClosedRange<Int>
            if base == "*" {
                bounds = range
            } else if let dash = base.firstIndex(of: "-") {
                let lo = try value(String(base[..<dash]), name, range, names), hi = try value(String(base[base.index(after: dash)...]), name, range, names)
                guard lo <= hi else { throw ParseError(description: "range \(base) in the \(name) field runs backwards") }
                bounds = lo...hi
            } else {
                let v = try value(base, name, range, names)
                bounds = v...(part.contains("/") ? range.upperBound : v)
            }
            for v in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) { result.insert(v) }
        }
        return result
    }

    private static func value(_ text: String, _ name: String, _ range: ClosedRange<Int>, _ names: [String: Int]) throws(ParseError) -> Int {
        if let v = names[text.lowercased()] { return v }
        guard let v = Int(text), range.contains(v) else {
            throw ParseError(description: "'\(text)' is not a valid \(name) (\(range.lowerBound)–\(range.upperBound))")
        }
        return v
    }
}
