package app.solace.viewmodels

import app.solace.ffi.FollowUpChoice
import app.solace.ffi.HabitDraft
import app.solace.ffi.JournalBody
import app.solace.ffi.Schedule
import app.solace.ffi.TechniqueId
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class TodayViewModelTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    @Test
    fun aSessionRunsToTheEndAndCountsTowardsTheStreak() {
        val solace = scratch.store()
        val today = TodayViewModel(solace)
        today.refresh()
        assertFalse(today.current.loading)
        assertFalse(today.current.canResume)
        assertEquals(0, today.current.sessionStreakDays)
        assertEquals("Start a 5-minute session", today.current.primaryAction)

        today.startOrResume()
        assertEquals(SessionScreen.CheckIn, today.current.session!!.screen)
        assertEquals(0f, today.current.session!!.progress)
        today.checkIn(4, "I always mess up at work")
        val choose = today.current.session!!.screen as SessionScreen.ChooseTechnique
        assertEquals(6, choose.options.size)
        assertTrue("the suggestion comes first", choose.options.first().suggested)
        assertNotNull(choose.reason)

        today.choose(TechniqueId.CBT_REFRAME)
        var steps = 0
        var lastProgress = 0f
        while (true) {
            val session = today.current.session!!
            val step = session.screen as? SessionScreen.Step ?: break
            assertEquals(app.solace.ffi.techniques().first { it.id == TechniqueId.CBT_REFRAME }.name, session.techniqueName)
            assertTrue(session.progress > lastProgress)
            lastProgress = session.progress
            assertTrue(step.prompt.isNotBlank())
            when (val input = step.input) {
                is StepInput.Text -> today.answerText("answer ${step.index}")
                is StepInput.Scale -> today.answerNumber((input.min + input.max) / 2)
                is StepInput.Breathing -> today.completeTimed(input.totalSeconds)
                is StepInput.Countdown -> today.completeTimed(input.from)
            }
            assertNull(today.current.error)
            steps += 1
        }
        assertTrue(steps >= 5)
        assertEquals(SessionScreen.Reflection, today.current.session!!.screen)
        today.reflect("lighter than before")
        today.rate(4)
        today.followUp(FollowUpChoice.SESSION_TOMORROW)
        val done = today.current.session!!.screen as SessionScreen.Done
        assertEquals(4, done.helpful)
        assertEquals(1f, today.current.session!!.progress)
        assertEquals(1, today.current.sessionStreakDays)
        assertTrue(today.current.sessionDoneToday)
        assertFalse(today.current.canResume)

        // CBT reframing saved its thought record to the journal.
        val entry = solace.journal().get(done.journalEntryId!!)
        assertTrue(entry.current.body is JournalBody.ThoughtRecord)
    }

    @Test
    fun anInterruptedSessionResumesWhereItStopped() {
        val solace = scratch.store()
        val first = TodayViewModel(solace)
        first.startOrResume()
        first.checkIn(3, "so anxious about tomorrow")

        // The app was closed: a new view model over the same store.
        val again = TodayViewModel(solace)
        again.refresh()
        assertTrue(again.current.canResume)
        assertEquals("Resume your session", again.current.primaryAction)
        again.startOrResume()
        val choose = again.current.session!!.screen as SessionScreen.ChooseTechnique
        assertTrue(choose.options.first().suggested)
        again.choose() // the suggested technique
        assertTrue(again.current.session!!.screen is SessionScreen.Step)

        // A wrong-stage input is refused with a typed error and changes nothing.
        val before = again.current.session
        again.rate(3)
        assertTrue(again.current.error is UiError.Invalid)
        assertEquals(before, again.current.session)

        again.abandon()
        assertNull(again.current.session)
        assertFalse(again.current.canResume)
    }

    @Test
    fun habitStreaksShowOnToday() {
        val solace = scratch.store()
        val day = java.time.LocalDate.now()
        val habit = solace.habits().add(HabitDraft("Evening walk", Schedule.Daily, null, listOf()), day.minusDays(1).toString())
        solace.habits().check(habit.id, day.minusDays(1).toString())
        solace.habits().check(habit.id, day.toString())
        val today = TodayViewModel(solace)
        today.refresh()
        val row = today.current.habits.single()
        assertEquals("Evening walk", row.name)
        assertEquals(2, row.current)
        assertEquals("days", row.unitLabel)
        assertTrue(row.doneToday)
    }
}
