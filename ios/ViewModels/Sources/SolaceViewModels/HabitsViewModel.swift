import Foundation
import Observation
import Solace

/// A habit on the habits screen; its wording comes from the core (`habitLabels`).
public struct HabitRow: Equatable, Identifiable, Sendable {
    public let id: String
    public let name: String
    public let scheduleLabel: String
    /// "If I finish dinner, then I will walk 10 minutes", when there is a plan.
    public let planLabel: String?
    public let currentStreak: Int
    public let bestStreak: Int
    public let streakLabel: String
    /// 0–100 (Loop-style habit strength).
    public let strengthPercent: Int
    public let doneToday: Bool
    public let skippedToday: Bool
    public let doneLast30Days: Int
    /// What VoiceOver says for the row (worded by the core).
    public let accessibilityLabel: String
}

public enum ScheduleKind: CaseIterable, Sendable { case daily, timesPerWeek, timesPerMonth, weekdays, everyNDays }

/// The new-habit form.
public struct HabitEditor: Equatable, Sendable {
    public var name = ""
    public var kind: ScheduleKind = .daily
    /// Times per week/month, or N for "every N days".
    public var times = 3
    public var weekdays: Set<Weekday> = []
    public var cue = ""
    public var action = ""
    /// "HH:MM" or empty for no reminder.
    public var reminder = ""
    public var error: UiError?

    public var schedule: Schedule {
        switch kind {
        case .daily: return .daily
        case .timesPerWeek: return .timesPerWeek(times: UInt8(clamping: times))
        case .timesPerMonth: return .timesPerMonth(times: UInt8(clamping: times))
        case .weekdays: return .weekdays(days: HabitsViewModel.week.filter { weekdays.contains($0) })
        case .everyNDays: return .everyNDays(days: UInt16(clamping: times))
        }
    }
}

public struct HabitsState: Equatable, Sendable {
    public var rows: [HabitRow] = []
    public var editor: HabitEditor?
    public var error: UiError?
}

/// Habits with today's check-off, streaks (skips don't break them) and strength.
@MainActor
@Observable
public final class HabitsViewModel {
    public private(set) var state = HabitsState()
    @ObservationIgnored private let habits: Habits
    @ObservationIgnored private let clock: Clock

    public static let week: [Weekday] = [.mon, .tue, .wed, .thu, .fri, .sat, .sun]

    public init(solace: Solace, clock: Clock = .system) {
        habits = solace.habits()
        self.clock = clock
    }

    public func load() {
        attempt(fail) {
            state.rows = try habits.allStats(today: clock.today()).map(Self.row)
            state.error = nil
        }
    }

    /// Check today off, or undo today's mark.
    public func toggleToday(id: String) {
        guard let row = state.rows.first(where: { $0.id == id }) else { return }
        record(id, row.doneToday || row.skippedToday ? .undo : .check)
    }

    /// Skip today on purpose (keeps the streak).
    public func skipToday(id: String) { record(id, .skip) }

    public func newHabit() { state.editor = HabitEditor() }

    public func edit(_ change: (inout HabitEditor) -> Void) {
        guard var e = state.editor else { return }
        change(&e)
        e.error = nil
        state.editor = e
    }

    public func toggleWeekday(_ day: Weekday) {
        edit { e in if e.weekdays.contains(day) { e.weekdays.remove(day) } else { e.weekdays.insert(day) } }
    }

    public func saveHabit() {
        guard var e = state.editor else { return }
        let cue = e.cue.trimmingCharacters(in: .whitespaces), action = e.action.trimmingCharacters(in: .whitespaces)
        let plan = !cue.isEmpty && !action.isEmpty ? IfThenPlan(cue: cue, action: action) : nil
        let reminder = e.reminder.trimmingCharacters(in: .whitespaces)
        let draft = HabitDraft(name: e.name.trimmingCharacters(in: .whitespaces), schedule: e.schedule, plan: plan,
                               reminders: reminder.isEmpty ? [] : [Reminder(time: reminder, weekdays: [])])
        let today = clock.today()
        if attempt({ e.error = $0; state.editor = e }, { try habits.add(draft: draft, start: today) }) != nil {
            state.editor = nil
            load()
        }
    }

    public func cancelEditor() { state.editor = nil }

    public func archive(id: String) {
        attempt(fail) { _ = try habits.setArchived(id: id, archived: true) }
        load()
    }

    private func record(_ id: String, _ action: HabitAction) {
        let today = clock.today()
        attempt(fail) { try habits.record(id: id, action: action, day: today) }
        load()
    }

    private func fail(_ error: UiError) { state.error = error }

    nonisolated static func row(_ s: HabitStats) -> HabitRow {
        let labels = habitLabels(stats: s)
        return HabitRow(
            id: s.habit.id, name: s.habit.draft.name, scheduleLabel: labels.schedule, planLabel: labels.plan,
            currentStreak: Int(s.streaks.current), bestStreak: Int(s.streaks.best), streakLabel: labels.streakUnit,
            strengthPercent: Int(labels.strengthPercent),
            doneToday: s.today == .done, skippedToday: s.today == .skipped,
            doneLast30Days: Int(s.doneLast30Days), accessibilityLabel: labels.accessibilityLabel
        )
    }

    /// Short weekday name (from the core).
    nonisolated public static func dayName(_ day: Weekday) -> String { weekdayName(day: day) }

    /// "Every day", "3× a week", "Mon, Wed, Fri", "Every 3 days", "5× a month" (from the core).
    nonisolated public static func scheduleLabel(_ schedule: Schedule) -> String { coreScheduleLabel(schedule) }
}

/// The core's schedule wording, reached from file scope: inside `HabitsViewModel` the name
/// `scheduleLabel` means the static method, and `Solace.` means the class, not the module.
private func coreScheduleLabel(_ schedule: Schedule) -> String { scheduleLabel(schedule: schedule) }
