package app.solace.viewmodels

import app.solace.ffi.SafetyPlan
import app.solace.ffi.Solace

/** The Stanley–Brown sections, in order. */
enum class PlanSection(val title: String, val hint: String) {
    WARNING_SIGNS("Warning signs", "Thoughts, moods or situations that tell me a crisis may be starting"),
    COPING("Things I can do on my own", "To take my mind off things without contacting anyone"),
    DISTRACTION("People and places that help", "Who or where helps me feel better"),
    HELP_CONTACTS("People I can ask for help", "Names and numbers"),
    PROFESSIONALS("Professionals I can contact", "My therapist, doctor, local crisis service"),
    SAFE_ENVIRONMENT("Making my space safe", "Steps that keep me safe"),
    REASONS("What makes life worth living", "People, plans, things I care about"),
}

/** A crisis line, with the number to dial when one can be read from its contact text. */
data class ResourceRow(val name: String, val contact: String, val region: String, val dial: String?)

data class SafetyPlanState(
    val loaded: Boolean = false,
    val sections: Map<PlanSection, List<String>> = PlanSection.values().associateWith { emptyList() },
    val resources: List<ResourceRow> = emptyList(),
    val disclaimer: String = "",
    val editing: Boolean = false,
    val dirty: Boolean = false,
    val updatedAt: String? = null,
    val error: UiError? = null,
) {
    val isEmpty: Boolean get() = sections.values.all { it.isEmpty() }
}

/**
 * The safety plan screen, reachable with one tap from every screen. Everything comes from the
 * device (offline): the person's plan, crisis lines for their region and the disclaimer that
 * Solace cannot respond to emergencies.
 */
class SafetyPlanViewModel(private val solace: Solace) : StateHolder<SafetyPlanState>(SafetyPlanState()) {
    private val assessments = solace.assessments()

    fun load() {
        attempt(::fail) {
            val prompt = assessments.safetyPrompt()
            update {
                it.copy(
                    loaded = true,
                    sections = sectionsOf(prompt.plan),
                    resources = prompt.resources.map { r -> ResourceRow(r.name, r.contact, r.region, dialNumber(r.contact)) },
                    disclaimer = prompt.disclaimer,
                    updatedAt = prompt.plan.updatedAt,
                    dirty = false,
                    error = null,
                )
            }
        }
    }

    fun startEditing() = update { it.copy(editing = true) }

    fun addItem(section: PlanSection, text: String) {
        val item = text.trim()
        if (item.isEmpty()) return
        update { it.copy(sections = it.sections + (section to it.sections.getValue(section) + item), dirty = true) }
    }

    fun removeItem(section: PlanSection, index: Int) = update {
        val items = it.sections.getValue(section).filterIndexed { i, _ -> i != index }
        it.copy(sections = it.sections + (section to items), dirty = true)
    }

    fun save() {
        val s = current.sections
        val plan = SafetyPlan(
            warningSigns = s.getValue(PlanSection.WARNING_SIGNS),
            copingStrategies = s.getValue(PlanSection.COPING),
            distractionContacts = s.getValue(PlanSection.DISTRACTION),
            helpContacts = s.getValue(PlanSection.HELP_CONTACTS),
            professionals = s.getValue(PlanSection.PROFESSIONALS),
            safeEnvironment = s.getValue(PlanSection.SAFE_ENVIRONMENT),
            reasonsForLiving = s.getValue(PlanSection.REASONS),
            updatedAt = null,
        )
        val saved = attempt(::fail) { assessments.saveSafetyPlan(plan) } ?: return
        update { it.copy(sections = sectionsOf(saved), updatedAt = saved.updatedAt, editing = false, dirty = false) }
        load()
    }

    fun cancelEditing() {
        update { it.copy(editing = false) }
        load()
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }

    companion object {
        fun sectionsOf(p: SafetyPlan): Map<PlanSection, List<String>> = mapOf(
            PlanSection.WARNING_SIGNS to p.warningSigns,
            PlanSection.COPING to p.copingStrategies,
            PlanSection.DISTRACTION to p.distractionContacts,
            PlanSection.HELP_CONTACTS to p.helpContacts,
            PlanSection.PROFESSIONALS to p.professionals,
            PlanSection.SAFE_ENVIRONMENT to p.safeEnvironment,
            PlanSection.REASONS to p.reasonsForLiving,
        )

        private val phone = Regex("""\+?\d[\d\s\-()]{1,18}\d|\b\d{3}\b""")

        /** The first phone number in a contact text ("call or text 988" → "988"), digits only. */
        fun dialNumber(contact: String): String? =
            phone.find(contact)?.value?.filter { it.isDigit() || it == '+' }?.takeIf { it.length >= 3 }
    }
}
