import Foundation
import Observation

/// The name and icon the app shows. A neutral identity hides what the app is from someone
/// glancing at the phone. (iOS can switch the icon at runtime, not the name under it; the app
/// uses the neutral name everywhere it controls text.)
public enum AppIdentity: String, CaseIterable, Codable, Sendable {
    case standard, notes, planner

    public var displayName: String {
        switch self {
        case .standard: return "Solace"
        case .notes: return "Notes"
        case .planner: return "Planner"
        }
    }

    /// The alternate icon name (`UIApplication.setAlternateIconName`), nil for the primary one.
    public var alternateIconName: String? { self == .standard ? nil : "AppIcon-\(rawValue.capitalized)" }
}

/// App-level settings. They live outside the encrypted store (UserDefaults) because they are
/// needed while it is locked: the icon, the lock timeout, the text of a notification arriving
/// with the app closed. None of them is personal content.
public struct AppSettings: Equatable, Codable, Sendable {
    /// Ask for Face ID / Touch ID / the passcode (or the passphrase) to open the app.
    public var appLock = true
    /// Lock again after this long in the background (0 = immediately).
    public var lockAfterSeconds = 60
    /// Notifications say only "You have a new update".
    public var discreetNotifications = true
    public var identity: AppIdentity = .standard
    /// The quick-hide control (top-bar button; three-finger double tap on iOS).
    public var quickHide = true

    public init(appLock: Bool = true, lockAfterSeconds: Int = 60, discreetNotifications: Bool = true,
                identity: AppIdentity = .standard, quickHide: Bool = true) {
        self.appLock = appLock
        self.lockAfterSeconds = lockAfterSeconds
        self.discreetNotifications = discreetNotifications
        self.identity = identity
        self.quickHide = quickHide
    }
}

/// Where `AppSettings` are kept (UserDefaults in the app, memory in tests).
public protocol SettingsStorage: AnyObject {
    func load() -> AppSettings
    func save(_ settings: AppSettings)
}

public final class InMemorySettingsStorage: SettingsStorage {
    private var value: AppSettings
    public init(_ value: AppSettings = AppSettings()) { self.value = value }
    public func load() -> AppSettings { value }
    public func save(_ settings: AppSettings) { value = settings }
}

/// UserDefaults-backed storage (Foundation only, so it also builds on Linux).
public final class UserDefaultsSettingsStorage: SettingsStorage {
    private let defaults: UserDefaults
    private let key = "app.solace.settings.v1"
    public init(defaults: UserDefaults = .standard) { self.defaults = defaults }
    public func load() -> AppSettings {
        guard let data = defaults.data(forKey: key),
              let settings = try? JSONDecoder().decode(AppSettings.self, from: data) else { return AppSettings() }
        return settings
    }
    public func save(_ settings: AppSettings) {
        if let data = try? JSONEncoder().encode(settings) { defaults.set(data, forKey: key) }
    }
}

/// What a notification may be about.
public enum NotificationEvent: CaseIterable, Sendable { case newMessage, syncedChanges, sessionReminder, habitReminder }

public struct NotificationText: Equatable, Sendable {
    public let title: String
    public let body: String
}

public enum Notifications {
    public static let discreetBody = "You have a new update"

    /// The text of a notification. Never any content, names or counts; with discreet
    /// notifications on, not even the kind of event or the app's real name.
    public static func text(_ event: NotificationEvent, _ settings: AppSettings) -> NotificationText {
        let title = settings.identity.displayName
        if settings.discreetNotifications { return NotificationText(title: title, body: discreetBody) }
        switch event {
        case .newMessage: return NotificationText(title: title, body: "New message")
        case .syncedChanges: return NotificationText(title: title, body: "Your devices are up to date")
        case .sessionReminder: return NotificationText(title: title, body: "Time for a 5-minute session")
        case .habitReminder: return NotificationText(title: title, body: "A habit is due today")
        }
    }
}

public struct SettingsState: Equatable, Sendable {
    public var settings: AppSettings
    /// Quick hide is showing the neutral screen; only an unlock brings the app back.
    public var hidden = false
    /// The identity changed: the app must switch the icon.
    public var identityChangePending = false

    public var notificationPreview: NotificationText { Notifications.text(.newMessage, settings) }
    public static let lockAfterChoices = [0, 60, 300, 900]
}

/// Settings: app lock, discreet notifications, neutral app name and quick hide. `lock` is the
/// app lock's `lock()`: quick hide shows a neutral screen and locks the store at once.
@MainActor
@Observable
public final class SettingsViewModel {
    public private(set) var state: SettingsState
    @ObservationIgnored private let storage: SettingsStorage
    @ObservationIgnored private let lock: () -> Void

    public init(storage: SettingsStorage, lock: @escaping () -> Void) {
        self.storage = storage
        self.lock = lock
        state = SettingsState(settings: storage.load())
    }

    public func setAppLock(_ on: Bool) { change { $0.appLock = on } }
    public func setLockAfter(seconds: Int) { change { $0.lockAfterSeconds = max(0, seconds) } }
    public func setDiscreetNotifications(_ on: Bool) { change { $0.discreetNotifications = on } }
    public func setQuickHide(_ on: Bool) { change { $0.quickHide = on } }

    public func setIdentity(_ identity: AppIdentity) {
        guard identity != state.settings.identity else { return }
        change { $0.identity = identity }
        state.identityChangePending = true
    }

    /// The app applied the new icon.
    public func identityApplied() { state.identityChangePending = false }

    /// Hide now: the neutral screen replaces everything and the store is locked.
    public func quickHide() {
        state.hidden = true
        lock()
    }

    /// After a successful unlock.
    public func reveal() { state.hidden = false }

    /// Whether coming back after `backgroundedAt` must show the lock screen.
    public func shouldLockOnReturn(backgroundedAt: Date, now: Date) -> Bool {
        let s = state.settings
        return s.appLock && now.timeIntervalSince(backgroundedAt) >= Double(s.lockAfterSeconds)
    }

    private func change(_ edit: (inout AppSettings) -> Void) {
        var next = state.settings
        edit(&next)
        storage.save(next)
        state.settings = next
    }
}
