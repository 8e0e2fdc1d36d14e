import BackgroundTasks
import SolaceViewModels
import SwiftUI
import UserNotifications

/// Process-wide objects: the one open store (through `lock`), settings, background refresh.
@MainActor
final class AppModel {
    static let shared = AppModel()
    let storeDir: String
    let settingsStorage = UserDefaultsSettingsStorage()
    let lock: AppLockViewModel
    let settings: SettingsViewModel

    private init() {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        var dir = support.appendingPathComponent("solace", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true // E2E sync is the backup; the device key is device-only
        try? dir.setResourceValues(values)
        storeDir = dir.path
        let requireBiometry = settingsStorage.load().appLock
        lock = AppLockViewModel(storeDir: storeDir, keyStore: KeychainKeyStore(requireBiometry: requireBiometry))
        let lock = self.lock
        settings = SettingsViewModel(storage: settingsStorage, lock: { lock.lock() })
    }

    func keyStore(interactive: Bool = true) -> KeychainKeyStore {
        KeychainKeyStore(requireBiometry: settingsStorage.load().appLock, interactive: interactive)
    }
}

@main
struct SolaceApp: App {
    @Environment(\.scenePhase) private var scenePhase
    @State private var backgroundedAt: Date?
    private let model = AppModel.shared

    init() {
        BackgroundRefresh.register()
        DiscreetNotifications.requestPermission()
        ReminderScheduler.registerCategory()
        UNUserNotificationCenter.current().delegate = ReminderNotificationDelegate.shared
        clockObservers = ReminderScheduler.observeClockChanges { AppModel.shared.lock.solace }
    }

    private var clockObservers: [NSObjectProtocol] = []

    var body: some Scene {
        WindowGroup {
            RootGate(lock: model.lock, settings: model.settings)
                .task { await model.lock.start() }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .background:
                backgroundedAt = Date()
                BackgroundRefresh.schedule()
            case .active:
                if let at = backgroundedAt, model.lock.state == .unlocked,
                   model.settings.shouldLockOnReturn(backgroundedAt: at, now: Date()) {
                    model.lock.lock()
                }
                backgroundedAt = nil
                if let solace = model.lock.solace {
                    Task { await ReminderScheduler.replan(solace) }
                }
            default:
                break
            }
        }
    }
}

/// Neutral screen (quick hide) → lock screen → app. The app switcher snapshot is covered by the
/// privacy overlay whenever the scene is not active.
struct RootGate: View {
    let lock: AppLockViewModel
    let settings: SettingsViewModel
    @Environment(\.scenePhase) private var scenePhase

    var body: some View {
        ZStack {
            if settings.state.hidden && lock.state != .unlocked {
                NeutralView(title: settings.state.settings.identity.displayName) { settings.reveal() }
            } else if lock.state == .unlocked, let solace = lock.solace {
                RootView(solace: solace, lock: lock, settings: settings)
            } else {
                LockView(lock: lock)
            }
            if scenePhase != .active {
                Color(.systemBackground).ignoresSafeArea() // nothing personal in the app switcher
            }
        }
        .onChange(of: settings.state.identityChangePending) { _, pending in
            guard pending else { return }
            UIApplication.shared.setAlternateIconName(settings.state.settings.identity.alternateIconName)
            settings.identityApplied()
        }
    }
}
