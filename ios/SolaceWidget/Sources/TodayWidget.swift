import SwiftUI
import WidgetKit
import SolaceFFI

/// Home-screen widget (WidgetKit) over the core's `Solace.today()` snapshot, read through the
/// app group's store with the device key. Discreet by design: numbers and the person's own
/// habit names only, no notes; when the store cannot be opened without the person (app lock)
/// it shows nothing but an invitation to open the app.
struct TodayEntry: TimelineEntry {
    let date: Date
    let snapshot: TodaySnapshot?
}

struct TodayProvider: TimelineProvider {
    func placeholder(in context: Context) -> TodayEntry { TodayEntry(date: Date(), snapshot: nil) }

    func getSnapshot(in context: Context, completion: @escaping (TodayEntry) -> Void) {
        completion(TodayEntry(date: Date(), snapshot: WidgetStore.today()))
    }

    func getTimeline(in context: Context, completion: @escaping (Timeline<TodayEntry>) -> Void) {
        let entry = TodayEntry(date: Date(), snapshot: WidgetStore.today())
        // Refresh every 30 minutes; the app also reloads timelines after a check-in.
        let next = Calendar.current.date(byAdding: .minute, value: 30, to: Date()) ?? Date()
        completion(Timeline(entries: [entry], policy: .after(next)))
    }
}

/// Opens the store in the app group's container with the device key from the shared keychain,
/// never interactively: when the app lock needs the person (Face ID), the widget shows nothing.
enum WidgetStore {
    static let appGroup = "group.app.solace"

    static func today() -> TodaySnapshot? {
        guard let container = FileManager.default.containerURL(
            forSecurityApplicationGroupIdentifier: appGroup
        ) else { return nil }
        let dir = container.appendingPathComponent("store").path
        let keys = KeychainKeyStore(requireBiometry: false, interactive: false)
        guard let solace = try? Solace.openWithDeviceKey(dir: dir, keystore: keys) else { return nil }
        return try? solace.today(now: nil)
    }
}

struct TodayWidgetView: View {
    let entry: TodayEntry

    var body: some View {
        if let s = entry.snapshot {
            VStack(alignment: .leading, spacing: 4) {
                if let mood = s.lastMood, s.checkedInToday {
                    Text("Mood \(mood.mood) today").font(.headline)
                } else {
                    Text("Check in today").font(.headline)
                }
                Text("Sessions: \(s.sessionStreakDays) in a row").font(.caption)
                ForEach(Array(s.habits.prefix(3)), id: \.name) { habit in
                    Text((habit.doneToday ? "✓ " : "· ") + habit.name).font(.caption)
                }
                if let next = s.nextReminder {
                    Text("Next reminder \(next)").font(.caption2)
                }
            }
        } else {
            Text("Open Solace to see today").font(.caption)
        }
    }
}

@main
struct SolaceTodayWidget: Widget {
    var body: some WidgetConfiguration {
        StaticConfiguration(kind: "SolaceToday", provider: TodayProvider()) { entry in
            TodayWidgetView(entry: entry)
        }
        .configurationDisplayName("Today")
        .description("Your check-in, sessions and habits at a glance.")
        .supportedFamilies([.systemSmall, .systemMedium])
    }
}
