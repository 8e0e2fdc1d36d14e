import Foundation
import Solace
import UserNotifications

/// The device's zone rules for the core's planner (daylight-saving changes included).
final class DeviceZone: TimeZoneRules {
    func offsetSecondsAt(unixSeconds: Int64) -> Int32 {
        Int32(TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(unixSeconds))))
    }
}

/// Schedules what the core's reminder planner returns (`Solace.planReminders`): times,
/// weekdays, quiet hours, adaptive timing, skipped days, daylight-saving changes and the texts
/// (discreet by default) are all decided in the core; this maps them to
/// `UNUserNotificationCenter`.
///
/// Each reminder is a `UNCalendarNotificationTrigger` request named `reminder.<id>`, so a
/// re-plan replaces or removes exactly what was scheduled. iOS keeps at most 64 pending
/// requests per app, so 32 are planned ahead. iOS does not wake the app when a notification
/// is shown, so re-planning happens on launch and foreground, after each background sync
/// (`BackgroundRefresh`), after a check-in or a settings change, and on time-zone and
/// significant time changes (`observeClockChanges`).
enum ReminderScheduler {
    static let category = "solace.reminder"
    static let snoozeAction = "solace.reminder.snooze"
    private static let prefix = "reminder."
    private static let planCount: UInt32 = 32

    /// The reminder category with its Snooze action; register once at launch.
    static func registerCategory() {
        let snooze = UNNotificationAction(identifier: snoozeAction, title: "Snooze", options: [])
        let category = UNNotificationCategory(
            identifier: category,
            actions: [snooze],
            intentIdentifiers: [],
            hiddenPreviewsBodyPlaceholder: "",
            options: []
        )
        UNUserNotificationCenter.current().setNotificationCategories([category])
    }

    /// Plans from the open store and replaces the pending reminder requests.
    static func replan(_ solace: Solace) async {
        guard let plan = try? solace.planReminders(count: planCount, now: nil, zone: DeviceZone()) else { return }
        let center = UNUserNotificationCenter.current()
        let planned = Set(plan.reminders.map { prefix + $0.id })
        let pending = await center.pendingNotificationRequests()
            .map(\.identifier)
            .filter { $0.hasPrefix(prefix) && !planned.contains($0) }
        center.removePendingNotificationRequests(withIdentifiers: pending)
        for reminder in plan.reminders {
            await schedule(reminder)
        }
    }

    /// Adds (or replaces, by id) the request for one reminder.
    static func schedule(_ reminder: PlannedReminder) async {
        guard let date = ISO8601DateFormatter().date(from: reminder.fireAt) else { return }
        let content = UNMutableNotificationContent()
        content.title = reminder.title
        content.body = reminder.body
        content.categoryIdentifier = category
        content.threadIdentifier = "reminders"
        content.userInfo = ["reminderId": reminder.id]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let components = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let trigger = UNCalendarNotificationTrigger(dateMatching: components, repeats: false)
        let request = UNNotificationRequest(identifier: prefix + reminder.id, content: content, trigger: trigger)
        try? await UNUserNotificationCenter.current().add(request)
    }

    /// The Snooze action from a delivered reminder (call from the notification center
    /// delegate's `didReceive`): the core moves it (quiet hours respected) and keeps the
    /// snooze, and the same request id is scheduled again.
    static func handle(_ response: UNNotificationResponse, solace: Solace) async {
        guard response.actionIdentifier == snoozeAction,
              let id = response.notification.request.content.userInfo["reminderId"] as? String,
              let snoozed = try? solace.snoozeReminder(id: id, minutes: nil, now: nil, zone: DeviceZone())
        else { return }
        await schedule(snoozed)
    }

    /// Re-plans when the zone or the clock changes (a time-zone move keeps wall-clock times:
    /// the core plans again with the new zone).
    static func observeClockChanges(solace: @escaping @MainActor () -> Solace?) -> [NSObjectProtocol] {
        let names: [Notification.Name] = [.NSSystemTimeZoneDidChange, .NSSystemClockDidChange, .NSCalendarDayChanged]
        return names.map { name in
            NotificationCenter.default.addObserver(forName: name, object: nil, queue: .main) { _ in
                MainActor.assumeIsolated {
                    guard let open = solace() else { return }
                    Task { await replan(open) }
                }
            }
        }
    }
}

/// Routes the reminder Snooze action to `ReminderScheduler.handle` (set as the notification
/// center's delegate at launch).
final class ReminderNotificationDelegate: NSObject, UNUserNotificationCenterDelegate {
    static let shared = ReminderNotificationDelegate()

    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse
    ) async {
        guard let solace = await MainActor.run(body: { AppModel.shared.lock.solace }) else { return }
        await ReminderScheduler.handle(response, solace: solace)
    }

    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification
    ) async -> UNNotificationPresentationOptions {
        [.banner, .sound]
    }
}
