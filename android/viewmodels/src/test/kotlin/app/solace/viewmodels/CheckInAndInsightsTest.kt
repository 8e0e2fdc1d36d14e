package app.solace.viewmodels

import app.solace.ffi.FollowUpChoice
import app.solace.ffi.HabitDraft
import app.solace.ffi.MoodDraft
import app.solace.ffi.Schedule
import app.solace.ffi.SessionAnswer
import app.solace.ffi.SessionInput
import app.solace.ffi.StepKind
import app.solace.ffi.TechniqueId
import java.time.LocalDate
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class CheckInAndInsightsTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    @Test
    fun aCheckInShowsUpInTheInsightsSeries() {
        val solace = scratch.store()
        val checkIn = CheckInViewModel(solace)
        checkIn.load()
        assertFalse(checkIn.current.canSave)
        checkIn.setMood(12) // clamped to the scale
        assertEquals(10, checkIn.current.mood)
        checkIn.setMood(7)
        checkIn.toggleEmotion("Calm")
        checkIn.toggleEmotion("tired")
        checkIn.toggleEmotion("tired")
        checkIn.setSleepHours(7.5f)
        checkIn.setNote("  long day  ")
        assertTrue(checkIn.current.canSave)
        checkIn.save()
        assertNull(checkIn.current.error)
        assertTrue(checkIn.current.justSaved)
        assertNull("the form is cleared", checkIn.current.mood)
        val row = checkIn.current.recent.single()
        assertEquals(7, row.mood)
        assertEquals(listOf("calm"), row.emotions)
        assertEquals("long day", solace.mood().list(null, null).single().draft.note)

        val insights = InsightsViewModel(solace)
        insights.load()
        val chart = insights.current.mood
        val point = chart.points.single()
        assertEquals(7.0, point.y, 1e-9)
        assertEquals("today is the last day of the window", chart.xCount - 1u, point.x)
        assertEquals(LocalDate.now().toString(), point.label)
        assertTrue(chart.accessibilityLabel, chart.accessibilityLabel.contains("1 day logged, lowest 7, highest 7, latest 7.0"))
        assertTrue(insights.current.headline, insights.current.headline.startsWith("7.0 average from 1 check-in"))
        val weekday = insights.current.weekdays.bars.filter { it.value != null }.single()
        assertEquals(7.0, weekday.value!!, 1e-9)
        assertEquals("7.0 from 1", weekday.detail)
        // The state holds exactly what the core assembled.
        val core = solace.insights(30u, LocalDate.now().toString())
        assertEquals(core.mood, insights.current.mood)
        assertEquals(core.weekdays, insights.current.weekdays)
        assertEquals(core.headline, insights.current.headline)

        insights.setRange(7)
        assertEquals(7u, insights.current.mood.xCount)
        assertEquals(6u, insights.current.mood.points.single().x)
    }

    @Test
    fun insightsSeriesCoverDaysHabitsAndTechniques() {
        val solace = scratch.store()
        val today = LocalDate.now()
        for ((daysAgo, mood) in listOf(4L to 3, 2L to 5, 0L to 8)) {
            solace.mood().log(MoodDraft(mood = mood.toUByte()), today.minusDays(daysAgo).toString() + "T09:00:00+00:00")
        }
        val habit = solace.habits().add(HabitDraft("Stretch", Schedule.Daily, null, listOf()), today.minusDays(3).toString())
        for (d in 3L downTo 0L) solace.habits().check(habit.id, today.minusDays(d).toString())

        // One finished, rated breathing session.
        val sessions = solace.sessions()
        var s = sessions.start()
        s = sessions.advance(s.id, SessionInput.CheckIn(5u, "restless"))
        s = sessions.advance(s.id, SessionInput.Choose(TechniqueId.MINDFUL_BREATHING, null))
        while (s.currentStep != null) {
            val answer = when (val kind = s.currentStep!!.kind) {
                is StepKind.Scale -> SessionAnswer.Number(kind.min)
                is StepKind.Text -> SessionAnswer.Text("ok")
                else -> SessionAnswer.Completed(30u)
            }
            s = sessions.advance(s.id, SessionInput.Answer(answer))
        }
        s = sessions.advance(s.id, SessionInput.Reflection("calmer"))
        s = sessions.advance(s.id, SessionInput.Rating(5u))
        sessions.advance(s.id, SessionInput.FollowUp(FollowUpChoice.NOTHING))

        val insights = InsightsViewModel(solace)
        insights.setRange(7)
        val points = insights.current.mood.points
        assertEquals(listOf(2u, 4u, 6u), points.map { it.x })
        // The session's opening mood (5) is a check-in of today too: today averages 8 and 5.
        assertEquals(listOf(3.0, 5.0, 6.5), points.map { it.y })
        assertTrue(insights.current.headline.contains("improving"))
        val strength = insights.current.habits.bars.single()
        assertEquals("Stretch", strength.label)
        assertTrue(strength.value!! > 0.0 && strength.value!! <= 100.0)
        val technique = insights.current.techniques.bars.single()
        assertEquals(5.0, technique.value!!, 1e-9)
        assertEquals("5.0 of 5 from 1 session", technique.detail)
        assertEquals("How helpful each technique was: ${technique.label} 5.0 of 5 from 1 session", insights.current.techniques.accessibilityLabel)
        assertEquals("Habit strength: Stretch ${strength.detail}", insights.current.habits.accessibilityLabel)
    }

    @Test
    fun deletingAMissingCheckInIsATypedError() {
        val solace = scratch.store()
        val checkIn = CheckInViewModel(solace)
        checkIn.delete("00".repeat(16))
        assertTrue(checkIn.current.error is UiError.NotFound)
    }
}
