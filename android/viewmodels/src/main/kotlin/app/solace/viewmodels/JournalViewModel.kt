package app.solace.viewmodels

import app.solace.ffi.Distortion
import app.solace.ffi.EmotionRating
import app.solace.ffi.JournalBody
import app.solace.ffi.JournalDraft
import app.solace.ffi.JournalEntry
import app.solace.ffi.JournalFilter
import app.solace.ffi.Solace
import app.solace.ffi.ThoughtRecordContent

/** The guided CBT thought record, one step per screen. */
enum class ThoughtStep(val title: String, val prompt: String) {
    SITUATION("Situation", "What happened? Where were you, who was there?"),
    AUTOMATIC_THOUGHT("Automatic thought", "What went through your mind?"),
    EMOTIONS("Emotions", "What did you feel, and how strongly (0–100)?"),
    DISTORTIONS("Thinking traps", "Do any of these patterns fit the thought?"),
    EVIDENCE("Evidence", "What supports the thought? What doesn't?"),
    BALANCED_THOUGHT("Balanced thought", "What is a more balanced way to see it?"),
    RERATE("Re-rate", "How strong are those feelings now (0–100)?"),
}

/** Display names and one-line explanations of the thinking traps. */
object Distortions {
    val all: List<Pair<Distortion, String>> = listOf(
        Distortion.ALL_OR_NOTHING to "All-or-nothing thinking",
        Distortion.OVERGENERALIZATION to "Overgeneralizing",
        Distortion.MENTAL_FILTER to "Mental filter",
        Distortion.DISCOUNTING_THE_POSITIVE to "Discounting the positive",
        Distortion.MIND_READING to "Mind reading",
        Distortion.FORTUNE_TELLING to "Fortune telling",
        Distortion.CATASTROPHIZING to "Catastrophizing",
        Distortion.EMOTIONAL_REASONING to "Emotional reasoning",
        Distortion.SHOULD_STATEMENTS to "\"Should\" statements",
        Distortion.LABELING to "Labeling",
        Distortion.PERSONALIZATION to "Personalizing",
        Distortion.BLAMING to "Blaming",
    )

    fun label(d: Distortion): String = all.first { it.first == d }.second
}

/** An emotion row of the thought record form. */
data class EmotionField(val emotion: String, val intensity: Int)

data class ThoughtRecordForm(
    val situation: String = "",
    val automaticThought: String = "",
    val emotions: List<EmotionField> = emptyList(),
    val distortions: Set<Distortion> = emptySet(),
    val evidenceFor: String = "",
    val evidenceAgainst: String = "",
    val balancedThought: String = "",
    val rerated: List<EmotionField> = emptyList(),
) {
    fun toContent() = ThoughtRecordContent(
        situation = situation.trim(),
        automaticThought = automaticThought.trim(),
        emotions = emotions.map { EmotionRating(it.emotion, it.intensity.toUByte()) },
        distortions = Distortions.all.map { it.first }.filter { it in distortions },
        evidenceFor = evidenceFor.trim(),
        evidenceAgainst = evidenceAgainst.trim(),
        balancedThought = balancedThought.trim(),
        reratedEmotions = rerated.map { EmotionRating(it.emotion, it.intensity.toUByte()) },
    )

    companion object {
        fun from(c: ThoughtRecordContent) = ThoughtRecordForm(
            situation = c.situation,
            automaticThought = c.automaticThought,
            emotions = c.emotions.map { EmotionField(it.emotion, it.intensity.toInt()) },
            distortions = c.distortions.toSet(),
            evidenceFor = c.evidenceFor,
            evidenceAgainst = c.evidenceAgainst,
            balancedThought = c.balancedThought,
            rerated = c.reratedEmotions.map { EmotionField(it.emotion, it.intensity.toInt()) },
        )
    }
}

enum class EntryKind { FREE, PROMPTED, THOUGHT_RECORD }

/** The entry being written or edited. */
data class JournalEditor(
    /** Null for a new entry. */
    val id: String? = null,
    val kind: EntryKind = EntryKind.FREE,
    val title: String = "",
    val text: String = "",
    val prompt: String = "",
    val tags: String = "",
    val thought: ThoughtRecordForm = ThoughtRecordForm(),
    val step: ThoughtStep = ThoughtStep.SITUATION,
    val error: UiError? = null,
) {
    val isLastStep: Boolean get() = step == ThoughtStep.values().last()
    val stepNumber: Int get() = step.ordinal + 1
    val stepCount: Int get() = ThoughtStep.values().size

    /** Whether the current content may be saved. */
    val canSave: Boolean
        get() = when (kind) {
            EntryKind.FREE, EntryKind.PROMPTED -> text.isNotBlank()
            EntryKind.THOUGHT_RECORD -> thought.situation.isNotBlank() && thought.automaticThought.isNotBlank()
        }
}

/** A row of the journal list. */
data class JournalRow(
    val id: String,
    val title: String,
    val preview: String,
    val kind: EntryKind,
    val day: String,
    val tags: List<String>,
    val edited: Boolean,
)

data class JournalState(
    val entries: List<JournalRow> = emptyList(),
    val query: String = "",
    val tag: String? = null,
    val tags: List<Pair<String, Int>> = emptyList(),
    val editor: JournalEditor? = null,
    val error: UiError? = null,
)

/** The journal: list with search and tag filter, and the editor with the thought record template. */
class JournalViewModel(private val solace: Solace) : StateHolder<JournalState>(JournalState()) {
    private val journal = solace.journal()

    fun load() {
        attempt(::fail) {
            val q = current.query.trim()
            val found = if (q.isNotEmpty()) {
                journal.search(q).filter { e -> current.tag == null || current.tag in e.current.tags }
            } else {
                journal.list(JournalFilter(tag = current.tag))
            }
            val tags = journal.tags().map { it.tag to it.count.toInt() }
            update { it.copy(entries = found.map(::row), tags = tags, error = null) }
        }
    }

    fun setQuery(text: String) {
        update { it.copy(query = text) }
        load()
    }

    fun selectTag(tag: String?) {
        update { it.copy(tag = if (it.tag == tag) null else tag) }
        load()
    }

    fun newEntry(kind: EntryKind = EntryKind.FREE, prompt: String = "") =
        update { it.copy(editor = JournalEditor(kind = kind, prompt = prompt)) }

    fun newThoughtRecord() = newEntry(EntryKind.THOUGHT_RECORD)

    fun open(id: String) {
        val entry = attempt(::fail) { journal.get(id) } ?: return
        update { it.copy(editor = editorFor(entry)) }
    }

    /** Any change to the editor's fields (text boxes call this with `copy(...)`). */
    fun edit(transform: (JournalEditor) -> JournalEditor) =
        update { s -> s.copy(editor = s.editor?.let { transform(it).copy(error = null) }) }

    fun editThought(transform: (ThoughtRecordForm) -> ThoughtRecordForm) = edit { it.copy(thought = transform(it.thought)) }

    fun addEmotion(emotion: String, intensity: Int) = editThought { t ->
        val name = emotion.trim().lowercase()
        if (name.isEmpty() || t.emotions.any { it.emotion == name }) t
        else t.copy(emotions = t.emotions + EmotionField(name, intensity.coerceIn(0, 100)))
    }

    fun removeEmotion(emotion: String) = editThought { t -> t.copy(emotions = t.emotions.filterNot { it.emotion == emotion }) }

    fun toggleDistortion(d: Distortion) = editThought { t ->
        t.copy(distortions = if (d in t.distortions) t.distortions - d else t.distortions + d)
    }

    fun rerate(emotion: String, intensity: Int) = editThought { t ->
        t.copy(rerated = t.rerated.map { if (it.emotion == emotion) it.copy(intensity = intensity.coerceIn(0, 100)) else it })
    }

    /** Next step of the thought record, when the current one is filled in. */
    fun nextStep() {
        val editor = current.editor ?: return
        val t = editor.thought
        val missing = when (editor.step) {
            ThoughtStep.SITUATION -> t.situation.isBlank()
            ThoughtStep.AUTOMATIC_THOUGHT -> t.automaticThought.isBlank()
            ThoughtStep.EMOTIONS -> t.emotions.isEmpty()
            else -> false
        }
        if (missing) {
            update { it.copy(editor = editor.copy(error = UiError.Invalid("fill in this step to continue"))) }
            return
        }
        val next = ThoughtStep.values().getOrNull(editor.step.ordinal + 1) ?: return
        // Entering the re-rate step: start from the first ratings (keep any already re-rated).
        val rerated = if (next == ThoughtStep.RERATE) {
            t.emotions.map { e -> t.rerated.firstOrNull { it.emotion == e.emotion } ?: e }
        } else {
            t.rerated
        }
        update { it.copy(editor = editor.copy(step = next, thought = t.copy(rerated = rerated), error = null)) }
    }

    fun previousStep() = edit { e -> e.copy(step = ThoughtStep.values().getOrNull(e.step.ordinal - 1) ?: e.step) }

    /** Saves the editor (new entry or a revision of an existing one) and closes it. */
    fun save() {
        val editor = current.editor ?: return
        if (!editor.canSave) {
            update { it.copy(editor = editor.copy(error = UiError.Invalid("write something first"))) }
            return
        }
        val body = when (editor.kind) {
            EntryKind.FREE -> JournalBody.Free(editor.text.trim())
            EntryKind.PROMPTED -> JournalBody.Prompted(editor.prompt, editor.text.trim())
            EntryKind.THOUGHT_RECORD -> JournalBody.ThoughtRecord(editor.thought.toContent())
        }
        val tags = editor.tags.split(',', ' ').map { it.trim() }.filter { it.isNotEmpty() }
        val draft = JournalDraft(editor.title.trim().ifEmpty { null }, body, tags)
        val saved = attempt({ e -> update { it.copy(editor = editor.copy(error = e)) } }) {
            if (editor.id == null) journal.add(draft) else journal.edit(editor.id, draft)
        }
        if (saved != null) {
            update { it.copy(editor = null) }
            load()
        }
    }

    fun discard() = update { it.copy(editor = null) }

    fun delete(id: String) {
        attempt(::fail) { journal.delete(id) }
        update { it.copy(editor = if (it.editor?.id == id) null else it.editor) }
        load()
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }

    private fun editorFor(e: JournalEntry): JournalEditor {
        val draft = e.current
        val base = JournalEditor(id = e.id, title = draft.title ?: "", tags = draft.tags.joinToString(", "))
        return when (val body = draft.body) {
            is JournalBody.Free -> base.copy(kind = EntryKind.FREE, text = body.text)
            is JournalBody.Prompted -> base.copy(kind = EntryKind.PROMPTED, prompt = body.prompt, text = body.response)
            is JournalBody.ThoughtRecord -> base.copy(kind = EntryKind.THOUGHT_RECORD, thought = ThoughtRecordForm.from(body.record))
        }
    }

    private fun row(e: JournalEntry): JournalRow {
        val draft = e.current
        val (kind, title, preview) = when (val body = draft.body) {
            is JournalBody.Free -> Triple(EntryKind.FREE, draft.title ?: body.text.lineSequence().first(), body.text)
            is JournalBody.Prompted -> Triple(EntryKind.PROMPTED, draft.title ?: body.prompt, body.response)
            is JournalBody.ThoughtRecord ->
                Triple(EntryKind.THOUGHT_RECORD, draft.title ?: "Thought record", body.record.situation)
        }
        return JournalRow(e.id, title.take(80), preview.take(140), kind, e.createdAt.substring(0, 10), draft.tags, e.revisions.isNotEmpty())
    }
}
