import Foundation
import HealthKit
import SolaceFFI

/// Opt-in export of check-ins to Apple Health as State of Mind samples (iOS 18+). What is
/// written is decided in the core (`healthStateOfMind`): the valence from the mood, only the
/// emotions and life areas Apple's vocabulary knows — never a note or free text. Off until the
/// person turns it on in Settings; nothing is ever read back from Health.
@available(iOS 18.0, *)
enum HealthExport {
    private static let store = HKHealthStore()

    /// Asks for permission to write State of Mind samples (only when the person opts in).
    static func requestPermission() async throws {
        guard HKHealthStore.isHealthDataAvailable() else { return }
        try await store.requestAuthorization(toShare: [HKObjectType.stateOfMindType()], read: [])
    }

    /// Writes one check-in (call after a check-in was saved, when the setting is on).
    static func export(_ checkIn: MoodCheckIn, lifeAreas: [String] = []) async throws {
        let state = healthStateOfMind(checkIn: checkIn, lifeAreas: lifeAreas)
        guard let date = ISO8601DateFormatter().date(from: state.at) else { return }
        let kind: HKStateOfMind.Kind = state.kind == .dailyMood ? .dailyMood : .momentaryEmotion
        let sample = HKStateOfMind(
            date: date,
            kind: kind,
            valence: state.valence,
            labels: state.labels.compactMap(label),
            associations: state.associations.compactMap(association)
        )
        try await store.save(sample)
    }

    private static func label(_ name: String) -> HKStateOfMind.Label? {
        switch name {
        case "amazed": return .amazed
        case "amused": return .amused
        case "angry": return .angry
        case "annoyed": return .annoyed
        case "anxious": return .anxious
        case "ashamed": return .ashamed
        case "brave": return .brave
        case "calm": return .calm
        case "confident": return .confident
        case "content": return .content
        case "disappointed": return .disappointed
        case "discouraged": return .discouraged
        case "disgusted": return .disgusted
        case "drained": return .drained
        case "embarrassed": return .embarrassed
        case "excited": return .excited
        case "frustrated": return .frustrated
        case "grateful": return .grateful
        case "guilty": return .guilty
        case "happy": return .happy
        case "hopeful": return .hopeful
        case "hopeless": return .hopeless
        case "indifferent": return .indifferent
        case "irritated": return .irritated
        case "jealous": return .jealous
        case "joyful": return .joyful
        case "lonely": return .lonely
        case "overwhelmed": return .overwhelmed
        case "passionate": return .passionate
        case "peaceful": return .peaceful
        case "proud": return .proud
        case "relieved": return .relieved
        case "sad": return .sad
        case "satisfied": return .satisfied
        case "scared": return .scared
        case "stressed": return .stressed
        case "surprised": return .surprised
        case "worried": return .worried
        default: return nil
        }
    }

    private static func association(_ name: String) -> HKStateOfMind.Association? {
        switch name {
        case "community": return .community
        case "current_events": return .currentEvents
        case "dating": return .dating
        case "education": return .education
        case "family": return .family
        case "fitness": return .fitness
        case "friends": return .friends
        case "health": return .health
        case "hobbies": return .hobbies
        case "identity": return .identity
        case "money": return .money
        case "partner": return .partner
        case "self_care": return .selfCare
        case "spirituality": return .spirituality
        case "tasks": return .tasks
        case "travel": return .travel
        case "work": return .work
        case "weather": return .weather
        default: return nil
        }
    }
}
