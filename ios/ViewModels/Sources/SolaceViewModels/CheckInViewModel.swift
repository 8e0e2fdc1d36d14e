import Foundation
import Observation
import Solace

/// A recent check-in in the list under the form.
public struct CheckInRow: Equatable, Identifiable, Sendable {
    public let id: String
    public let day: String
    public let time: String
    public let mood: Int
    public let emotions: [String]
}

public struct CheckInState: Equatable, Sendable {
    /// 1–10, nil until the person picks one.
    public var mood: Int?
    public var emotions: Set<String> = []
    public var energy: Int?
    public var anxiety: Int?
    public var sleepHours: Float?
    public var note = ""
    public var saving = false
    /// Set right after a save, for the "Saved" confirmation.
    public var justSaved = false
    public var recent: [CheckInRow] = []
    public var error: UiError?

    public var canSave: Bool { mood != nil && !saving }

    /// Emotion chips offered by the form (the person may type others).
    public static let emotionChoices = [
        "calm", "content", "hopeful", "grateful", "tired", "anxious",
        "sad", "irritable", "lonely", "overwhelmed", "stressed", "numb",
    ]
    public static let moodRange = 1...10

    /// Spoken/visible words for the mood scale.
    public static func moodWord(_ mood: Int) -> String {
        switch mood {
        case ...2: return "very low"
        case ...4: return "low"
        case ...6: return "okay"
        case ...8: return "good"
        default: return "very good"
        }
    }
}

/// The mood check-in form and the last week of check-ins.
@MainActor
@Observable
public final class CheckInViewModel {
    public private(set) var state = CheckInState()
    @ObservationIgnored private let mood: Mood
    @ObservationIgnored private let clock: Clock

    public init(solace: Solace, clock: Clock = .system) {
        self.mood = solace.mood()
        self.clock = clock
    }

    public func load() {
        attempt(fail) {
            let from = Day.adding(-6, to: clock.today())
            state.recent = try mood.list(from: from, to: nil).reversed().map {
                CheckInRow(id: $0.id, day: Day.of(timestamp: $0.at), time: String($0.at.dropFirst(11).prefix(5)),
                           mood: Int($0.draft.mood), emotions: $0.draft.emotions)
            }
        }
    }

    public func setMood(_ value: Int) {
        state.mood = min(max(value, CheckInState.moodRange.lowerBound), CheckInState.moodRange.upperBound)
        state.justSaved = false
        state.error = nil
    }

    public func toggleEmotion(_ emotion: String) {
        let e = emotion.trimmingCharacters(in: .whitespaces).lowercased()
        guard !e.isEmpty else { return }
        if state.emotions.contains(e) { state.emotions.remove(e) } else { state.emotions.insert(e) }
    }

    public func setEnergy(_ v: Int?) { state.energy = v }
    public func setAnxiety(_ v: Int?) { state.anxiety = v }
    public func setSleepHours(_ v: Float?) { state.sleepHours = v }
    public func setNote(_ text: String) { state.note = text }

    /// Stores the check-in (now, or at the RFC 3339 `at`) and clears the form.
    public func save(at: String? = nil) {
        guard let value = state.mood else { return }
        state.saving = true
        state.error = nil
        let note = state.note.trimmingCharacters(in: .whitespacesAndNewlines)
        let draft = MoodDraft(
            mood: UInt8(value), emotions: state.emotions.sorted(),
            energy: state.energy.map { UInt8(clamping: $0) }, anxiety: state.anxiety.map { UInt8(clamping: $0) },
            sleepHours: state.sleepHours, note: note.isEmpty ? nil : note
        )
        if attempt(fail, { try mood.log(draft: draft, at: at) }) != nil {
            state = CheckInState(justSaved: true, recent: state.recent)
            load()
        }
    }

    public func delete(id: String) {
        attempt(fail) { try mood.delete(id: id) }
        load()
    }

    private func fail(_ error: UiError) {
        state.saving = false
        state.error = error
    }
}
