import Foundation
import Observation
import Solace

/// One point of a line chart: `x` is the day index in the window (0 = oldest day).
public struct ChartPoint: Equatable, Sendable {
    public let x: Int
    public let y: Double
    public let label: String
}

/// A line chart a Canvas/Path draws as is, with what VoiceOver says instead.
public struct LineChart: Equatable, Sendable {
    public var points: [ChartPoint]
    public var xCount: Int
    public var yMin = 1.0
    public var yMax = 10.0
    public var accessibilityLabel: String
}

/// One bar: `value` in the chart's range, nil for "no data".
public struct Bar: Equatable, Sendable {
    public let label: String
    public let value: Double?
    public let detail: String
}

public struct BarChart: Equatable, Sendable {
    public var bars: [Bar]
    public var max: Double
    public var accessibilityLabel: String
}

public struct InsightsState: Equatable, Sendable {
    public var rangeDays = 30
    public var mood = LineChart(points: [], xCount: 30, accessibilityLabel: "No check-ins yet")
    public var weekdays = BarChart(bars: [], max: 10, accessibilityLabel: "No check-ins yet")
    public var habits = BarChart(bars: [], max: 100, accessibilityLabel: "No habits yet")
    public var techniques = BarChart(bars: [], max: 5, accessibilityLabel: "No rated sessions yet")
    /// "6.2 average from 14 check-ins, improving".
    public var headline = ""
    public var error: UiError?

    public static let ranges = [7, 30, 90]
}

/// Insights computed on the device, as chart series: mood over the window, mood by weekday,
/// habit strength, and how helpful each technique has been (session ratings).
@MainActor
@Observable
public final class InsightsViewModel {
    public private(set) var state = InsightsState()
    @ObservationIgnored private let solace: Solace
    @ObservationIgnored private let clock: Clock

    public init(solace: Solace, clock: Clock = .system) {
        self.solace = solace
        self.clock = clock
    }

    public func setRange(_ days: Int) {
        state.rangeDays = days
        load()
    }

    public func load() {
        attempt(fail) {
            let days = state.rangeDays
            let today = clock.today()
            let summary = try solace.mood().summary(days: UInt32(days), today: today)

            let points = try summary.daily.compactMap { d in
                try chartX(date: d.date, today: today, days: UInt32(days)).map { ChartPoint(x: Int($0), y: d.average, label: d.date) }
            }
            let trend = summary.trend.map { trendLabel(direction: $0.direction) }
            state.headline = moodHeadline(
                count: summary.count, average: summary.average, trend: summary.trend?.direction, days: UInt32(days))
            let moodLabel: String
            if let last = points.last {
                moodLabel = "Mood chart over the last \(days) days: \(points.count) days logged, lowest \(summary.min ?? 0), "
                    + "highest \(summary.max ?? 0), latest \(fmt1(last.y)) on \(last.label)" + (trend.map { ", trend \($0)" } ?? "")
            } else {
                moodLabel = "Mood chart: no check-ins in the last \(days) days"
            }
            state.mood = LineChart(points: points, xCount: days, accessibilityLabel: moodLabel)

            let weekdayBars = summary.weekdays.map {
                Bar(label: HabitsViewModel.dayName($0.weekday), value: $0.average,
                    detail: $0.count == 0 ? "no check-ins" : "\(fmt1($0.average ?? 0)) from \($0.count)")
            }
            state.weekdays = BarChart(bars: weekdayBars, max: 10, accessibilityLabel:
                "Average mood by weekday: " + weekdayBars.map { "\($0.label) \($0.detail)" }.joined(separator: "; "))

            let habitBars = try solace.habits().allStats(today: today).map {
                Bar(label: $0.habit.draft.name, value: $0.strength * 100, detail: "\(Int(($0.strength * 100).rounded()))% strength")
            }
            state.habits = BarChart(bars: habitBars, max: 100, accessibilityLabel: habitBars.isEmpty ? "No habits yet"
                : "Habit strength: " + habitBars.map { "\($0.label) \($0.detail)" }.joined(separator: "; "))

            let rated = try solace.sessions().list().filter { $0.helpful != nil && $0.technique != nil }
            let techniqueBars: [Bar] = techniques().compactMap { info in
                let ratings = rated.filter { $0.technique == info.id }.compactMap { $0.helpful.map(Double.init) }
                guard !ratings.isEmpty else { return nil }
                let avg = ratings.reduce(0, +) / Double(ratings.count)
                return Bar(label: info.name, value: avg,
                           detail: "\(fmt1(avg)) of 5 from \(ratings.count) session\(ratings.count == 1 ? "" : "s")")
            }
            state.techniques = BarChart(bars: techniqueBars, max: 5, accessibilityLabel: techniqueBars.isEmpty
                ? "No rated sessions yet"
                : "How helpful each technique was: " + techniqueBars.map { "\($0.label) \($0.detail)" }.joined(separator: "; "))
            state.error = nil
        }
    }

    private func fail(_ error: UiError) { state.error = error }
}
