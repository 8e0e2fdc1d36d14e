import BackgroundTasks
import Foundation
import Solace
import SolaceViewModels

/// BGAppRefreshTask running one budgeted sync (`SyncBudget.background`, ~25 s, stops cleanly
/// and leaves the store consistent) inside iOS's ~30 s refresh window. Decisions are in
/// `BackgroundSync` (plain Swift, tested on Linux). Info.plist must list the identifier under
/// `BGTaskSchedulerPermittedIdentifiers` and enable the `fetch` background mode.
enum BackgroundRefresh {
    static let identifier = "app.solace.refresh"

    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            handle(task as! BGAppRefreshTask)
        }
    }

    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 60 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    private static func handle(_ task: BGAppRefreshTask) {
        schedule() // keep the chain going
        let work = Task.detached(priority: .background) { () -> SyncOutcome in
            let (open, storeDir, settings) = await MainActor.run {
                (AppModel.shared.lock.solace, AppModel.shared.storeDir, AppModel.shared.settingsStorage.load())
            }
            let outcome: SyncOutcome
            if let solace = open {
                outcome = await BackgroundSync.run(solace) // the app's own open store (one writer)
                // Synced settings, habits or check-ins from another device change the reminders.
                await ReminderScheduler.replan(solace)
            } else {
                let keys = KeychainKeyStore(requireBiometry: settings.appLock, interactive: false)
                outcome = await BackgroundSync.openAndRun { try Solace.openWithDeviceKey(dir: storeDir, keystore: keys) }
            }
            if let event = BackgroundSync.notificationEvent(outcome) {
                DiscreetNotifications.post(event, settings: settings)
            }
            return outcome
        }
        // The core's background budget ends before iOS's deadline; cancelling here is a backstop.
        task.expirationHandler = { work.cancel() }
        Task {
            let outcome = await work.value
            if case .synced(_, _, false, _) = outcome { schedule() }
            task.setTaskCompleted(success: { if case .synced = outcome { return true }; return false }())
        }
    }
}
