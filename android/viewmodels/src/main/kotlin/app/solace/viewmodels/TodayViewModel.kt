package app.solace.viewmodels

import app.solace.ffi.BreathingPattern
import app.solace.ffi.FollowUpChoice
import app.solace.ffi.MicroSession
import app.solace.ffi.SessionAnswer
import app.solace.ffi.SessionInput
import app.solace.ffi.SessionStage
import app.solace.ffi.Solace
import app.solace.ffi.StepKind
import app.solace.ffi.TechniqueId
import app.solace.ffi.TechniqueInfo
import app.solace.ffi.sessionStreak
import app.solace.ffi.streakUnitLabel
import app.solace.ffi.techniques

/** A habit's streak on the Today screen. */
data class HabitStreakRow(
    val id: String,
    val name: String,
    val current: Int,
    val best: Int,
    val unitLabel: String,
    val doneToday: Boolean,
)

/** What kind of input the current technique step wants. */
sealed class StepInput {
    object Text : StepInput()
    data class Scale(val min: Int, val max: Int) : StepInput()
    data class Breathing(val pattern: BreathingPattern, val cycles: Int) : StepInput() {
        /** Seconds the whole exercise takes (for the timer and its accessibility label). */
        val totalSeconds: Int
            get() = cycles * (pattern.inhale + pattern.hold + pattern.exhale + pattern.holdAfter).toInt()
    }
    data class Countdown(val from: Int) : StepInput()
}

/** One technique in the chooser. */
data class TechniqueOption(val id: TechniqueId, val name: String, val description: String, val suggested: Boolean)

/** The screen of the micro-session the person is on. */
sealed class SessionScreen {
    object CheckIn : SessionScreen()
    data class ChooseTechnique(val options: List<TechniqueOption>, val reason: String?) : SessionScreen()
    data class Step(
        val prompt: String,
        val input: StepInput,
        val optional: Boolean,
        val index: Int,
        val count: Int,
    ) : SessionScreen()
    object Reflection : SessionScreen()
    object Rating : SessionScreen()
    object FollowUp : SessionScreen()
    data class Done(val helpful: Int?, val journalEntryId: String?) : SessionScreen()
}

/** The running (or resumed) 5-minute micro-session. */
data class SessionUi(
    val id: String,
    val screen: SessionScreen,
    val techniqueName: String?,
    /** 0..1 across check-in → technique steps → reflection → rating → follow-up (from the core). */
    val progress: Float,
)

data class TodayState(
    val loading: Boolean = true,
    /** An unfinished session exists: the button says "Resume" instead of "Start". */
    val canResume: Boolean = false,
    /** Consecutive days (up to today) with a finished session; alive until a day is missed. */
    val sessionStreakDays: Int = 0,
    val sessionDoneToday: Boolean = false,
    val habits: List<HabitStreakRow> = emptyList(),
    val session: SessionUi? = null,
    val error: UiError? = null,
) {
    val primaryAction: String get() = if (canResume) "Resume your session" else "Start a 5-minute session"
}

/**
 * The Today screen: start or resume the 5-minute micro-session (check-in → technique →
 * reflection → "did this help?" → what next; every answer is stored as it is given), and the
 * streaks of sessions and habits.
 */
class TodayViewModel(
    private val solace: Solace,
    private val clock: Clock = Clock.system,
) : StateHolder<TodayState>(TodayState()) {
    private val sessions = solace.sessions()
    private val catalog: List<TechniqueInfo> = techniques()
    private var suggested: TechniqueId? = null
    private var reason: String? = null

    /** Reloads streaks and whether a session can be resumed. */
    fun refresh() {
        attempt(::fail) {
            val today = clock.today()
            val all = sessions.list()
            val streak = sessionStreak(all.mapNotNull { it.finishedAt }, today.toString())
            val habits = solace.habits().allStats(today.toString()).map {
                HabitStreakRow(
                    id = it.habit.id,
                    name = it.habit.draft.name,
                    current = it.streaks.current.toInt(),
                    best = it.streaks.best.toInt(),
                    unitLabel = streakUnitLabel(it.streaks.unit, it.streaks.current),
                    doneToday = it.today == app.solace.ffi.DayMark.DONE,
                )
            }
            update {
                it.copy(
                    loading = false,
                    canResume = all.any { s -> s.finishedAt == null },
                    sessionStreakDays = streak.days.toInt(),
                    sessionDoneToday = streak.doneToday,
                    habits = habits,
                    error = null,
                )
            }
        }
    }

    /** Resumes the unfinished session where it stopped, or starts a new one. */
    fun startOrResume() {
        attempt(::fail) {
            val session = sessions.inProgress() ?: sessions.start()
            show(session)
        }
    }

    fun checkIn(mood: Int, onMind: String) = advance(SessionInput.CheckIn(mood.toUByte(), onMind.trim()))

    /** Runs [technique], or the suggested one when null. */
    fun choose(technique: TechniqueId? = null, breathing: BreathingPattern? = null) {
        val pick = technique ?: suggested ?: TechniqueId.MINDFUL_BREATHING
        advance(SessionInput.Choose(pick, breathing))
    }

    fun answerText(text: String) = advance(SessionInput.Answer(SessionAnswer.Text(text.trim())))

    fun answerNumber(value: Int) = advance(SessionInput.Answer(SessionAnswer.Number(value.toUByte())))

    /** A timed step (breathing, countdown) finished or was cut short after [seconds]. */
    fun completeTimed(seconds: Int) = advance(SessionInput.Answer(SessionAnswer.Completed(seconds.toUInt())))

    fun reflect(text: String) = advance(SessionInput.Reflection(text.trim()))

    fun rate(helpful: Int) = advance(SessionInput.Rating(helpful.toUByte()))

    fun followUp(choice: FollowUpChoice) = advance(SessionInput.FollowUp(choice))

    /** Leaves the session screen; an unfinished session stays resumable. */
    fun closeSession() {
        update { it.copy(session = null) }
        refresh()
    }

    /** Drops the unfinished session. */
    fun abandon() {
        val id = current.session?.id ?: return
        attempt(::fail) { sessions.abandon(id) }
        closeSession()
    }

    fun dismissError() = update { it.copy(error = null) }

    private fun advance(input: SessionInput) {
        val id = current.session?.id ?: return
        attempt(::fail) { show(sessions.advance(id, input)) }
    }

    private fun show(session: MicroSession) {
        val check = session.checkIn
        if (session.stage == SessionStage.ChooseTechnique && check != null) {
            val suggestion = sessions.suggest(check.mood, check.onMind)
            suggested = suggestion.technique
            reason = suggestion.reason
        }
        val info = catalog.firstOrNull { it.id == session.technique }
        val screen = when (val stage = session.stage) {
            is SessionStage.CheckIn -> SessionScreen.CheckIn
            is SessionStage.ChooseTechnique -> SessionScreen.ChooseTechnique(
                options = catalog.map { TechniqueOption(it.id, it.name, it.description, it.id == suggested) }
                    .sortedByDescending { it.suggested },
                reason = reason,
            )
            is SessionStage.Technique -> {
                val step = session.currentStep
                val input = when (val kind = step?.kind) {
                    is StepKind.Scale -> StepInput.Scale(kind.min.toInt(), kind.max.toInt())
                    is StepKind.Breathing -> StepInput.Breathing(session.breathing ?: kind.pattern, kind.cycles.toInt())
                    is StepKind.Countdown -> StepInput.Countdown(kind.from.toInt())
                    else -> StepInput.Text
                }
                SessionScreen.Step(
                    prompt = step?.prompt ?: "",
                    input = input,
                    optional = step?.optional ?: false,
                    index = stage.step.toInt(),
                    count = info?.steps?.toInt() ?: 0,
                )
            }
            is SessionStage.Reflection -> SessionScreen.Reflection
            is SessionStage.Rating -> SessionScreen.Rating
            is SessionStage.FollowUp -> SessionScreen.FollowUp
            is SessionStage.Done -> SessionScreen.Done(session.helpful?.toInt(), session.journalEntry)
        }
        update {
            it.copy(
                session = SessionUi(session.id, screen, info?.name, session.progress.toFloat()),
                canResume = session.finishedAt == null,
                error = null,
            )
        }
        if (session.stage == SessionStage.Done) refresh()
    }

    private fun fail(error: UiError) = update { it.copy(loading = false, error = error) }
}
