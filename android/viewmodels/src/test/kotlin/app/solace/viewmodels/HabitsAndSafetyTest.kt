package app.solace.viewmodels

import app.solace.ffi.Schedule
import app.solace.ffi.Weekday
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class HabitsAndSafetyTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    @Test
    fun habitsCheckSkipAndUndoToday() {
        val solace = scratch.store()
        val habits = HabitsViewModel(solace)
        habits.load()
        assertTrue(habits.current.rows.isEmpty())

        habits.newHabit()
        habits.saveHabit()
        assertTrue("a habit needs a name", habits.current.editor!!.error is UiError.Invalid)
        habits.edit { it.copy(name = "Evening walk", cue = "I finish dinner", action = "walk 10 minutes", reminder = "19:30") }
        habits.saveHabit()
        assertNull(habits.current.editor)
        var row = habits.current.rows.single()
        assertEquals("Every day", row.scheduleLabel)
        assertEquals("If I finish dinner, then I will walk 10 minutes", row.planLabel)
        assertFalse(row.doneToday)

        habits.toggleToday(row.id)
        row = habits.current.rows.single()
        assertTrue(row.doneToday)
        assertEquals(1, row.currentStreak)
        assertEquals("day", row.streakLabel)
        assertTrue(row.strengthPercent in 1..100)
        assertEquals(
            "Evening walk, Every day. Done today. Streak 1 day, strength ${row.strengthPercent} percent.",
            row.accessibilityLabel,
        )

        habits.toggleToday(row.id) // undo
        assertFalse(habits.current.rows.single().doneToday)
        habits.skipToday(row.id)
        assertTrue(habits.current.rows.single().skippedToday)
        assertTrue(habits.current.rows.single().accessibilityLabel.contains("Evening walk, Every day. Skipped today. "))

        habits.newHabit()
        habits.edit { it.copy(name = "Yoga", kind = ScheduleKind.WEEKDAYS) }
        habits.toggleWeekday(Weekday.FRI)
        habits.toggleWeekday(Weekday.MON)
        habits.saveHabit()
        assertEquals("Mon, Fri", habits.current.rows.first { it.name == "Yoga" }.scheduleLabel)
        habits.archive(row.id)
        assertEquals(listOf("Yoga"), habits.current.rows.map { it.name })

        assertEquals("3× a week", HabitsViewModel.scheduleLabel(Schedule.TimesPerWeek(3u)))
        assertEquals("Every 3 days", HabitsViewModel.scheduleLabel(Schedule.EveryNDays(3u)))
        assertEquals("Once a month", HabitsViewModel.scheduleLabel(Schedule.TimesPerMonth(1u)))
    }

    @Test
    fun safetyPlanIsThereOfflineAndSavesInThePersonsWords() {
        val solace = scratch.store()
        val safety = SafetyPlanViewModel(solace)
        safety.load()
        assertTrue(safety.current.loaded)
        assertTrue(safety.current.isEmpty)
        assertTrue("crisis lines are built in", safety.current.resources.isNotEmpty())
        assertTrue(safety.current.disclaimer.isNotBlank())

        safety.startEditing()
        safety.addItem(PlanSection.WARNING_SIGNS, "  Not sleeping ")
        safety.addItem(PlanSection.WARNING_SIGNS, "   ")
        safety.addItem(PlanSection.HELP_CONTACTS, "Sam 555-0101")
        safety.addItem(PlanSection.COPING, "remove me")
        safety.removeItem(PlanSection.COPING, 0)
        assertTrue(safety.current.dirty)
        safety.save()
        assertFalse(safety.current.editing)
        assertFalse(safety.current.dirty)

        val reopened = SafetyPlanViewModel(solace)
        reopened.load()
        assertEquals(listOf("Not sleeping"), reopened.current.sections[PlanSection.WARNING_SIGNS])
        assertEquals(listOf("Sam 555-0101"), reopened.current.sections[PlanSection.HELP_CONTACTS])
        assertTrue(reopened.current.sections.getValue(PlanSection.COPING).isEmpty())
        assertTrue(reopened.current.updatedAt != null)

        assertEquals("988", SafetyPlanViewModel.dialNumber("call or text 988"))
        assertEquals("116123", SafetyPlanViewModel.dialNumber("call 116 123 (free, 24/7)"))
        assertNull(SafetyPlanViewModel.dialNumber("text SHOUT to the service"))
    }
}
