import Foundation
import SolaceViewModels
import UserNotifications

/// Local notifications whose text comes from `Notifications.text`: with discreet notifications
/// on (the default) only "You have a new update" under the current (possibly neutral) name.
/// No content, names or counts ever; previews are additionally hidden when locked.
enum DiscreetNotifications {
    static func requestPermission() {
        UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound]) { _, _ in }
    }

    static func post(_ event: NotificationEvent, settings: AppSettings) {
        let text = Notifications.text(event, settings)
        let content = UNMutableNotificationContent()
        content.title = text.title
        content.body = text.body
        content.threadIdentifier = "updates"
        let request = UNNotificationRequest(identifier: "update", content: content, trigger: nil)
        UNUserNotificationCenter.current().add(request)
    }
}
