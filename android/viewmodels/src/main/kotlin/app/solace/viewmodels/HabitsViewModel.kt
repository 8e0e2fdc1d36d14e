package app.solace.viewmodels

import app.solace.ffi.DayMark
import app.solace.ffi.HabitAction
import app.solace.ffi.HabitDraft
import app.solace.ffi.HabitStats
import app.solace.ffi.IfThenPlan
import app.solace.ffi.Reminder
import app.solace.ffi.Schedule
import app.solace.ffi.Solace
import app.solace.ffi.Weekday
import app.solace.ffi.habitLabels
import app.solace.ffi.weekdayName

/** A habit on the habits screen; its wording comes from the core (`habitLabels`). */
data class HabitRow(
    val id: String,
    val name: String,
    val scheduleLabel: String,
    /** "If I finish dinner, then I will walk 10 minutes", when there is a plan. */
    val planLabel: String?,
    val currentStreak: Int,
    val bestStreak: Int,
    val streakLabel: String,
    /** 0–100 (Loop-style habit strength). */
    val strengthPercent: Int,
    val doneToday: Boolean,
    val skippedToday: Boolean,
    val doneLast30Days: Int,
    /** What a screen reader says for the row (worded by the core). */
    val accessibilityLabel: String,
)

enum class ScheduleKind { DAILY, TIMES_PER_WEEK, TIMES_PER_MONTH, WEEKDAYS, EVERY_N_DAYS }

/** The new-habit form. */
data class HabitEditor(
    val name: String = "",
    val kind: ScheduleKind = ScheduleKind.DAILY,
    /** Times per week/month, or N for "every N days". */
    val times: Int = 3,
    val weekdays: Set<Weekday> = emptySet(),
    val cue: String = "",
    val action: String = "",
    /** "HH:MM" or empty for no reminder. */
    val reminder: String = "",
    val error: UiError? = null,
) {
    fun schedule(): Schedule = when (kind) {
        ScheduleKind.DAILY -> Schedule.Daily
        ScheduleKind.TIMES_PER_WEEK -> Schedule.TimesPerWeek(times.toUByte())
        ScheduleKind.TIMES_PER_MONTH -> Schedule.TimesPerMonth(times.toUByte())
        ScheduleKind.WEEKDAYS -> Schedule.Weekdays(Weekday.values().filter { it in weekdays })
        ScheduleKind.EVERY_N_DAYS -> Schedule.EveryNDays(times.toUShort())
    }
}

data class HabitsState(
    val rows: List<HabitRow> = emptyList(),
    val editor: HabitEditor? = null,
    val error: UiError? = null,
)

/** Habits with today's check-off, streaks (skips don't break them) and strength. */
class HabitsViewModel(
    private val solace: Solace,
    private val clock: Clock = Clock.system,
) : StateHolder<HabitsState>(HabitsState()) {
    private val habits = solace.habits()

    fun load() {
        attempt(::fail) {
            val rows = habits.allStats(clock.today().toString()).map(::row)
            update { it.copy(rows = rows, error = null) }
        }
    }

    /** Check today off, or undo today's mark. */
    fun toggleToday(id: String) {
        val row = current.rows.firstOrNull { it.id == id } ?: return
        record(id, if (row.doneToday || row.skippedToday) HabitAction.UNDO else HabitAction.CHECK)
    }

    /** Skip today on purpose (keeps the streak). */
    fun skipToday(id: String) = record(id, HabitAction.SKIP)

    fun newHabit() = update { it.copy(editor = HabitEditor()) }

    fun edit(transform: (HabitEditor) -> HabitEditor) =
        update { s -> s.copy(editor = s.editor?.let { transform(it).copy(error = null) }) }

    fun toggleWeekday(day: Weekday) = edit { e -> e.copy(weekdays = if (day in e.weekdays) e.weekdays - day else e.weekdays + day) }

    fun saveHabit() {
        val e = current.editor ?: return
        val plan = if (e.cue.isNotBlank() && e.action.isNotBlank()) IfThenPlan(e.cue.trim(), e.action.trim()) else null
        val reminders = if (e.reminder.isBlank()) emptyList() else listOf(Reminder(e.reminder.trim(), emptyList()))
        val saved = attempt({ err -> update { it.copy(editor = e.copy(error = err)) } }) {
            habits.add(HabitDraft(e.name.trim(), e.schedule(), plan, reminders), clock.today().toString())
        }
        if (saved != null) {
            update { it.copy(editor = null) }
            load()
        }
    }

    fun cancelEditor() = update { it.copy(editor = null) }

    fun archive(id: String) {
        attempt(::fail) { habits.setArchived(id, true) }
        load()
    }

    private fun record(id: String, action: HabitAction) {
        attempt(::fail) { habits.record(id, action, clock.today().toString()) }
        load()
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }

    private fun row(s: HabitStats): HabitRow {
        val labels = habitLabels(s)
        return HabitRow(
            id = s.habit.id,
            name = s.habit.draft.name,
            scheduleLabel = labels.schedule,
            planLabel = labels.plan,
            currentStreak = s.streaks.current.toInt(),
            bestStreak = s.streaks.best.toInt(),
            streakLabel = labels.streakUnit,
            strengthPercent = labels.strengthPercent.toInt(),
            doneToday = s.today == DayMark.DONE,
            skippedToday = s.today == DayMark.SKIPPED,
            doneLast30Days = s.doneLast30Days.toInt(),
            accessibilityLabel = labels.accessibilityLabel,
        )
    }

    companion object {
        /** Short weekday name (from the core). */
        fun dayName(day: Weekday): String = weekdayName(day)

        /** "Every day", "3× a week", "Mon, Wed, Fri", "Every 3 days", "5× a month" (from the core). */
        fun scheduleLabel(schedule: Schedule): String = app.solace.ffi.scheduleLabel(schedule)
    }
}
