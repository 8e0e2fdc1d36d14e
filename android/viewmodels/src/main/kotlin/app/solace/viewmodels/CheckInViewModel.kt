package app.solace.viewmodels

import app.solace.ffi.MoodDraft
import app.solace.ffi.Solace

/** A recent check-in in the list under the form. */
data class CheckInRow(val id: String, val day: String, val time: String, val mood: Int, val emotions: List<String>)

data class CheckInState(
    /** 1–10, null until the person picks one. */
    val mood: Int? = null,
    val emotions: Set<String> = emptySet(),
    val energy: Int? = null,
    val anxiety: Int? = null,
    val sleepHours: Float? = null,
    val note: String = "",
    val saving: Boolean = false,
    /** Set right after a save, for the "Saved" confirmation. */
    val justSaved: Boolean = false,
    val recent: List<CheckInRow> = emptyList(),
    val error: UiError? = null,
) {
    val canSave: Boolean get() = mood != null && !saving

    companion object {
        /** Emotion chips offered by the form (the person may type others). */
        val emotionChoices = listOf(
            "calm", "content", "hopeful", "grateful", "tired", "anxious",
            "sad", "irritable", "lonely", "overwhelmed", "stressed", "numb",
        )
        const val MOOD_MIN = 1
        const val MOOD_MAX = 10

        /** Spoken/visible words for the ends and middle of the mood scale. */
        fun moodWord(mood: Int): String = when {
            mood <= 2 -> "very low"
            mood <= 4 -> "low"
            mood <= 6 -> "okay"
            mood <= 8 -> "good"
            else -> "very good"
        }
    }
}

/** The mood check-in form and the last week of check-ins. */
class CheckInViewModel(
    private val solace: Solace,
    private val clock: Clock = Clock.system,
) : StateHolder<CheckInState>(CheckInState()) {
    private val mood = solace.mood()

    fun load() {
        attempt(::fail) {
            val from = clock.today().minusDays(6).toString()
            val rows = mood.list(from, null).reversed().map {
                CheckInRow(it.id, it.at.substring(0, 10), timeOf(it.at), it.draft.mood.toInt(), it.draft.emotions)
            }
            update { it.copy(recent = rows) }
        }
    }

    fun setMood(value: Int) = update {
        it.copy(mood = value.coerceIn(CheckInState.MOOD_MIN, CheckInState.MOOD_MAX), justSaved = false, error = null)
    }

    fun toggleEmotion(emotion: String) = update {
        val e = emotion.trim().lowercase()
        if (e.isEmpty()) it else it.copy(emotions = if (e in it.emotions) it.emotions - e else it.emotions + e)
    }

    fun setEnergy(value: Int?) = update { it.copy(energy = value) }

    fun setAnxiety(value: Int?) = update { it.copy(anxiety = value) }

    fun setSleepHours(value: Float?) = update { it.copy(sleepHours = value) }

    fun setNote(text: String) = update { it.copy(note = text) }

    /** Stores the check-in (now, or at the RFC 3339 [at]) and clears the form. */
    fun save(at: String? = null) {
        val s = current
        val value = s.mood ?: return
        update { it.copy(saving = true, error = null) }
        val draft = MoodDraft(
            mood = value.toUByte(),
            emotions = s.emotions.sorted(),
            energy = s.energy?.toUByte(),
            anxiety = s.anxiety?.toUByte(),
            sleepHours = s.sleepHours,
            note = s.note.trim().ifEmpty { null },
        )
        val saved = attempt(::fail) { mood.log(draft, at) }
        if (saved != null) {
            set(CheckInState(justSaved = true, recent = current.recent))
            load()
        }
    }

    fun delete(id: String) {
        attempt(::fail) { mood.delete(id) }
        load()
    }

    private fun fail(error: UiError) = update { it.copy(saving = false, error = error) }
}
