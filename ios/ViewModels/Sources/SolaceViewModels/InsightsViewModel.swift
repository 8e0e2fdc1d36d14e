import Foundation
import Observation
import Solace

/// What the insights screen shows: the core's charts (`Solace.insights`), drawn as they are.
/// `LineChart`, `BarChart`, `Bar` and `ChartPoint` are the bindings' records.
public struct InsightsState: Equatable, Sendable {
    public var rangeDays = 30
    public var mood = LineChart(points: [], xCount: 30, yMin: 1, yMax: 10, accessibilityLabel: "No check-ins yet")
    public var weekdays = BarChart(bars: [], max: 10, accessibilityLabel: "No check-ins yet")
    public var habits = BarChart(bars: [], max: 100, accessibilityLabel: "No habits yet")
    public var techniques = BarChart(bars: [], max: 5, accessibilityLabel: "No rated sessions yet")
    /// "6.2 average from 14 check-ins, improving".
    public var headline = ""
    public var error: UiError?

    public static let ranges = [7, 30, 90]
}

/// Insights computed on the device by the core, as chart series: mood over the window, mood by
/// weekday, habit strength, and how helpful each technique has been (session ratings). The view
/// model holds the range and the result.
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
            let charts = try solace.insights(days: UInt32(clamping: state.rangeDays), today: clock.today())
            state.mood = charts.mood
            state.weekdays = charts.weekdays
            state.habits = charts.habits
            state.techniques = charts.techniques
            state.headline = charts.headline
            state.error = nil
        }
    }

    private func fail(_ error: UiError) { state.error = error }
}
