import Foundation
import Observation
import Solace

/// A habit's streak on the Today screen.
public struct HabitStreakRow: Equatable, Identifiable, Sendable {
    public let id: String
    public let name: String
    public let current: Int
    public let best: Int
    public let unitLabel: String
    public let doneToday: Bool
}

/// What kind of input the current technique step wants.
public enum StepInput: Equatable, Sendable {
    case text
    case scale(min: Int, max: Int)
    case breathing(pattern: BreathingPattern, cycles: Int)
    case countdown(from: Int)

    /// Seconds the whole breathing exercise takes (for the timer and its accessibility label).
    public var totalSeconds: Int {
        switch self {
        case .breathing(let p, let cycles): return cycles * Int(p.inhale + p.hold + p.exhale + p.holdAfter)
        case .countdown(let from): return from
        default: return 0
        }
    }
}

/// One technique in the chooser.
public struct TechniqueOption: Equatable, Identifiable, Sendable {
    public var id: TechniqueId
    public var name: String
    public var description: String
    public var suggested: Bool
}

/// The screen of the micro-session the person is on.
public enum SessionScreen: Equatable, Sendable {
    case checkIn
    case chooseTechnique(options: [TechniqueOption], reason: String?)
    case step(prompt: String, input: StepInput, optional: Bool, index: Int, count: Int)
    case reflection
    case rating
    case followUp
    case done(helpful: Int?, journalEntryId: String?)
}

/// The running (or resumed) 5-minute micro-session.
public struct SessionUi: Equatable, Sendable {
    public let id: String
    public let screen: SessionScreen
    public let techniqueName: String?
    /// 0...1 across check-in → technique steps → reflection → rating → follow-up (from the core).
    public let progress: Double
}

public struct TodayState: Equatable, Sendable {
    public var loading = true
    /// An unfinished session exists: the button says "Resume" instead of "Start".
    public var canResume = false
    /// Consecutive days (up to today) with a finished session; alive until a day is missed.
    public var sessionStreakDays = 0
    public var sessionDoneToday = false
    public var habits: [HabitStreakRow] = []
    public var session: SessionUi?
    public var error: UiError?
    public var primaryAction: String { canResume ? "Resume your session" : "Start a 5-minute session" }
}

/// The Today screen: start or resume the 5-minute micro-session (every answer is stored as it
/// is given) and the streaks of sessions and habits.
@MainActor
@Observable
public final class TodayViewModel {
    public private(set) var state = TodayState()
    @ObservationIgnored private let solace: Solace
    @ObservationIgnored private let sessions: Sessions
    @ObservationIgnored private let clock: Clock
    @ObservationIgnored private let catalog = techniques()
    @ObservationIgnored private var suggested: TechniqueId?
    @ObservationIgnored private var reason: String?

    public init(solace: Solace, clock: Clock = .system) {
        self.solace = solace
        self.sessions = solace.sessions()
        self.clock = clock
    }

    /// Reloads streaks and whether a session can be resumed.
    public func refresh() {
        attempt(fail) {
            let today = clock.today()
            let all = try sessions.list()
            let streak = try sessionStreak(finishedAt: all.compactMap { $0.finishedAt }, today: today)
            let habits = try solace.habits().allStats(today: today).map {
                HabitStreakRow(
                    id: $0.habit.id, name: $0.habit.draft.name,
                    current: Int($0.streaks.current), best: Int($0.streaks.best),
                    unitLabel: streakUnitLabel(unit: $0.streaks.unit, count: $0.streaks.current),
                    doneToday: $0.today == .done
                )
            }
            state.loading = false
            state.canResume = all.contains { $0.finishedAt == nil }
            state.sessionStreakDays = Int(streak.days)
            state.sessionDoneToday = streak.doneToday
            state.habits = habits
            state.error = nil
        }
    }

    /// Resumes the unfinished session where it stopped, or starts a new one.
    public func startOrResume() {
        attempt(fail) { try show(sessions.inProgress() ?? sessions.start()) }
    }

    public func checkIn(mood: Int, onMind: String) {
        advance(.checkIn(mood: UInt8(clamping: mood), onMind: onMind.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Runs `technique`, or the suggested one when nil.
    public func choose(_ technique: TechniqueId? = nil, breathing: BreathingPattern? = nil) {
        advance(.choose(technique: technique ?? suggested ?? .mindfulBreathing, breathing: breathing))
    }

    public func answer(text: String) { advance(.answer(answer: .text(text: text.trimmingCharacters(in: .whitespacesAndNewlines)))) }
    public func answer(number: Int) { advance(.answer(answer: .number(value: UInt8(clamping: number)))) }
    /// A timed step (breathing, countdown) finished or was cut short after `seconds`.
    public func completeTimed(seconds: Int) { advance(.answer(answer: .completed(seconds: UInt32(clamping: seconds)))) }
    public func reflect(_ text: String) { advance(.reflection(text: text.trimmingCharacters(in: .whitespacesAndNewlines))) }
    public func rate(_ helpful: Int) { advance(.rating(value: UInt8(clamping: helpful))) }
    public func followUp(_ choice: FollowUpChoice) { advance(.followUp(choice: choice)) }

    /// Leaves the session screen; an unfinished session stays resumable.
    public func closeSession() {
        state.session = nil
        refresh()
    }

    /// Drops the unfinished session.
    public func abandon() {
        guard let id = state.session?.id else { return }
        attempt(fail) { try sessions.abandon(id: id) }
        closeSession()
    }

    public func dismissError() { state.error = nil }

    private func advance(_ input: SessionInput) {
        guard let id = state.session?.id else { return }
        attempt(fail) { try show(sessions.advance(id: id, input: input)) }
    }

    private func show(_ session: MicroSession) throws {
        if session.stage == .chooseTechnique, let check = session.checkIn {
            let suggestion = try sessions.suggest(mood: check.mood, onMind: check.onMind)
            suggested = suggestion.technique
            reason = suggestion.reason
        }
        let info = catalog.first { $0.id == session.technique }
        let screen: SessionScreen
        switch session.stage {
        case .checkIn:
            screen = .checkIn
        case .chooseTechnique:
            let options = catalog.map { TechniqueOption(id: $0.id, name: $0.name, description: $0.description, suggested: $0.id == suggested) }
            screen = .chooseTechnique(options: options.filter(\.suggested) + options.filter { !$0.suggested }, reason: reason)
        case .technique(let step):
            let current = session.currentStep
            let input: StepInput
            switch current?.kind {
            case .scale(let min, let max)?: input = .scale(min: Int(min), max: Int(max))
            case .breathing(let pattern, let cycles)?: input = .breathing(pattern: session.breathing ?? pattern, cycles: Int(cycles))
            case .countdown(let from)?: input = .countdown(from: Int(from))
            default: input = .text
            }
            screen = .step(prompt: current?.prompt ?? "", input: input, optional: current?.optional ?? false,
                           index: Int(step), count: Int(info?.steps ?? 0))
        case .reflection: screen = .reflection
        case .rating: screen = .rating
        case .followUp: screen = .followUp
        case .done: screen = .done(helpful: session.helpful.map(Int.init), journalEntryId: session.journalEntry)
        }
        state.session = SessionUi(id: session.id, screen: screen, techniqueName: info?.name, progress: session.progress)
        state.canResume = session.finishedAt == nil
        state.error = nil
        if session.stage == .done { refresh() }
    }

    private func fail(_ error: UiError) {
        state.loading = false
        state.error = error
    }
}
