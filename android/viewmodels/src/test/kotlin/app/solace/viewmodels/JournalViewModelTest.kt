package app.solace.viewmodels

import app.solace.ffi.Distortion
import app.solace.ffi.JournalBody
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class JournalViewModelTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    @Test
    fun thoughtRecordTemplateGuidesStepByStep() {
        val solace = scratch.store()
        val journal = JournalViewModel(solace)
        journal.load()
        journal.newThoughtRecord()
        var editor = journal.current.editor!!
        assertEquals(ThoughtStep.SITUATION, editor.step)
        assertEquals(1, editor.stepNumber)
        assertEquals(7, editor.stepCount)

        journal.nextStep()
        assertTrue("an empty situation does not advance", journal.current.editor!!.error is UiError.Invalid)
        assertEquals(ThoughtStep.SITUATION, journal.current.editor!!.step)

        journal.editThought { it.copy(situation = "Missed the bus") }
        assertNull(journal.current.editor!!.error)
        journal.nextStep()
        journal.editThought { it.copy(automaticThought = "I always mess up") }
        journal.nextStep()
        journal.addEmotion("Frustrated", 70)
        journal.addEmotion("frustrated", 10) // duplicates are ignored
        journal.addEmotion("anxious", 140) // clamped
        journal.nextStep()
        assertEquals(ThoughtStep.DISTORTIONS, journal.current.editor!!.step)
        journal.toggleDistortion(Distortion.LABELING)
        journal.toggleDistortion(Distortion.OVERGENERALIZATION)
        journal.nextStep()
        journal.editThought { it.copy(evidenceFor = "Late twice", evidenceAgainst = "On time the other days") }
        journal.nextStep()
        journal.editThought { it.copy(balancedThought = "Buses are unreliable") }
        journal.nextStep()
        editor = journal.current.editor!!
        assertEquals(ThoughtStep.RERATE, editor.step)
        assertTrue(editor.isLastStep)
        assertEquals("re-rating starts from the first ratings",
            listOf(EmotionField("frustrated", 70), EmotionField("anxious", 100)), editor.thought.rerated)
        journal.rerate("frustrated", 30)
        journal.edit { it.copy(tags = "cbt, bus") }
        journal.save()
        assertNull(journal.current.editor)

        val row = journal.current.entries.single()
        assertEquals(EntryKind.THOUGHT_RECORD, row.kind)
        assertEquals("Thought record", row.title)
        assertEquals("Missed the bus", row.preview)
        val stored = (solace.journal().get(row.id).current.body as JournalBody.ThoughtRecord).record
        assertEquals(listOf(Distortion.OVERGENERALIZATION, Distortion.LABELING), stored.distortions)
        assertEquals(30, stored.reratedEmotions.first { it.emotion == "frustrated" }.intensity.toInt())
        assertEquals(listOf("bus", "cbt").sorted(), journal.current.tags.map { it.first }.sorted())
    }

    @Test
    fun listSearchEditAndDelete() {
        val solace = scratch.store()
        val journal = JournalViewModel(solace)
        journal.newEntry()
        journal.save()
        assertTrue("empty entries are not saved", journal.current.editor!!.error is UiError.Invalid)
        journal.edit { it.copy(title = "Walk", text = "Walked by the river", tags = "walk") }
        journal.save()
        journal.newEntry(EntryKind.PROMPTED, prompt = "What went well today?")
        journal.edit { it.copy(text = "Called my sister") }
        journal.save()
        assertEquals(2, journal.current.entries.size)

        journal.setQuery("river")
        assertEquals(listOf("Walk"), journal.current.entries.map { it.title })
        journal.setQuery("")
        journal.selectTag("walk")
        assertEquals(1, journal.current.entries.size)
        journal.selectTag("walk") // tapping again clears the filter
        assertEquals(2, journal.current.entries.size)

        val walk = journal.current.entries.first { it.title == "Walk" }
        journal.open(walk.id)
        assertEquals("Walked by the river", journal.current.editor!!.text)
        journal.edit { it.copy(text = "Walked by the river at dusk") }
        journal.save()
        val edited = journal.current.entries.first { it.id == walk.id }
        assertTrue("an edit keeps the earlier version", edited.edited)
        assertEquals(1, solace.journal().get(walk.id).revisions.size)

        journal.delete(walk.id)
        assertEquals(1, journal.current.entries.size)
        journal.open(walk.id)
        assertTrue(journal.current.error is UiError.NotFound)
    }
}
