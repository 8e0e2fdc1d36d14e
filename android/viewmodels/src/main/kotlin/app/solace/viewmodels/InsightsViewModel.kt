package app.solace.viewmodels

import app.solace.ffi.BarChart
import app.solace.ffi.LineChart
import app.solace.ffi.Solace

/**
 * What the insights screen shows: the core's charts (`Solace.insights`), drawn as they are.
 * [LineChart], [BarChart], `Bar` and `ChartPoint` are the bindings' records.
 */
data class InsightsState(
    val rangeDays: Int = 30,
    val mood: LineChart = LineChart(emptyList(), 30u, 1.0, 10.0, "No check-ins yet"),
    val weekdays: BarChart = BarChart(emptyList(), 10.0, "No check-ins yet"),
    val habits: BarChart = BarChart(emptyList(), 100.0, "No habits yet"),
    val techniques: BarChart = BarChart(emptyList(), 5.0, "No rated sessions yet"),
    /** "6.2 average from 14 check-ins, improving". */
    val headline: String = "",
    val error: UiError? = null,
) {
    companion object {
        val ranges = listOf(7, 30, 90)
    }
}

/**
 * Insights computed on the device by the core, as chart series: mood over the window, mood by
 * weekday, habit strength, and how helpful each technique has been (session ratings). The view
 * model holds the range and the result.
 */
class InsightsViewModel(
    private val solace: Solace,
    private val clock: Clock = Clock.system,
) : StateHolder<InsightsState>(InsightsState()) {

    fun setRange(days: Int) {
        update { it.copy(rangeDays = days) }
        load()
    }

    fun load() {
        attempt(::fail) {
            val charts = solace.insights(current.rangeDays.toUInt(), clock.today().toString())
            update {
                it.copy(
                    mood = charts.mood,
                    weekdays = charts.weekdays,
                    habits = charts.habits,
                    techniques = charts.techniques,
                    headline = charts.headline,
                    error = null,
                )
            }
        }
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }
}
