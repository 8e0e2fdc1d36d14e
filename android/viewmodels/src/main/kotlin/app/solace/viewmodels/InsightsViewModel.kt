package app.solace.viewmodels

import app.solace.ffi.Solace
import app.solace.ffi.Weekday
import app.solace.ffi.chartX
import app.solace.ffi.moodHeadline
import app.solace.ffi.techniques
import app.solace.ffi.trendLabel
import java.util.Locale

/** One point of a line chart: [x] is the day index in the window (0 = oldest day). */
data class ChartPoint(val x: Int, val y: Double, val label: String)

/** A line chart a Canvas draws as is, with what a screen reader says instead. */
data class LineChart(
    val points: List<ChartPoint>,
    val xCount: Int,
    val yMin: Double,
    val yMax: Double,
    val accessibilityLabel: String,
)

/** One bar: [value] in the chart's range, null for "no data". */
data class Bar(val label: String, val value: Double?, val detail: String)

data class BarChart(val bars: List<Bar>, val max: Double, val accessibilityLabel: String)

data class InsightsState(
    val rangeDays: Int = 30,
    val mood: LineChart = LineChart(emptyList(), 30, 1.0, 10.0, "No check-ins yet"),
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
 * Insights computed on the device, as chart series: mood over the window, mood by weekday,
 * habit strength, and how helpful each technique has been (session ratings).
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
            val days = current.rangeDays
            val today = clock.today()
            val summary = solace.mood().summary(days.toUInt(), today.toString())

            val points = summary.daily.mapNotNull { d ->
                chartX(d.date, today.toString(), days.toUInt())?.let { ChartPoint(it.toInt(), d.average, d.date) }
            }
            val trend = summary.trend?.direction?.let(::trendLabel)
            val headline = moodHeadline(summary.count, summary.average, summary.trend?.direction, days.toUInt())
            val moodLabel = if (points.isEmpty()) {
                "Mood chart: no check-ins in the last $days days"
            } else {
                "Mood chart over the last $days days: ${points.size} days logged, " +
                    "lowest ${summary.min}, highest ${summary.max}, latest ${fmt(points.last().y)} on ${points.last().label}" +
                    (trend?.let { ", trend $it" } ?: "")
            }

            val weekdayBars = summary.weekdays.map {
                Bar(weekdayName(it.weekday), it.average, if (it.count == 0u) "no check-ins" else "${fmt(it.average ?: 0.0)} from ${it.count}")
            }
            val weekdayLabel = "Average mood by weekday: " + weekdayBars.joinToString("; ") { "${it.label} ${it.detail}" }

            val habitBars = solace.habits().allStats(today.toString()).map {
                val pct = it.strength * 100
                Bar(it.habit.draft.name, pct, "${Math.round(pct)}% strength")
            }
            val habitLabel = if (habitBars.isEmpty()) "No habits yet" else
                "Habit strength: " + habitBars.joinToString("; ") { "${it.label} ${it.detail}" }

            val names = techniques().associate { it.id to it.name }
            val ratings = solace.sessions().list().filter { it.helpful != null && it.technique != null }
                .groupBy { it.technique!! }
            val techniqueBars = names.filterKeys { it in ratings }.map { (id, name) ->
                val rs = ratings.getValue(id).map { it.helpful!!.toDouble() }
                Bar(name, rs.average(), "${fmt(rs.average())} of 5 from ${rs.size} session${if (rs.size == 1) "" else "s"}")
            }
            val techniqueLabel = if (techniqueBars.isEmpty()) "No rated sessions yet" else
                "How helpful each technique was: " + techniqueBars.joinToString("; ") { "${it.label} ${it.detail}" }

            update {
                it.copy(
                    mood = LineChart(points, days, 1.0, 10.0, moodLabel),
                    weekdays = BarChart(weekdayBars, 10.0, weekdayLabel),
                    habits = BarChart(habitBars, 100.0, habitLabel),
                    techniques = BarChart(techniqueBars, 5.0, techniqueLabel),
                    headline = headline,
                    error = null,
                )
            }
        }
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }

    private fun weekdayName(day: Weekday) = HabitsViewModel.dayName(day)

    private fun fmt(v: Double) = String.format(Locale.ROOT, "%.1f", v)
}
