import Solace
import SolaceViewModels
import SwiftUI

/// The unlocked app: tabs, and on every screen a toolbar with the safety plan (one tap) and
/// quick hide. View models are created once per unlock from the open store.
struct RootView: View {
    let lock: AppLockViewModel
    let settings: SettingsViewModel
    @State private var today: TodayViewModel
    @State private var checkIn: CheckInViewModel
    @State private var journal: JournalViewModel
    @State private var habits: HabitsViewModel
    @State private var insights: InsightsViewModel
    @State private var safety: SafetyPlanViewModel
    @State private var messages: MessagesViewModel
    /// Any sync (foreground or background refresh) that brings messages refreshes the messages screen.
    @State private var messageArrivals: Subscription?
    @State private var showSafety = false
    @State private var showSettings = false

    init(solace: Solace, lock: AppLockViewModel, settings: SettingsViewModel) {
        self.lock = lock
        self.settings = settings
        _today = State(initialValue: TodayViewModel(solace: solace))
        _checkIn = State(initialValue: CheckInViewModel(solace: solace))
        _journal = State(initialValue: JournalViewModel(solace: solace))
        _habits = State(initialValue: HabitsViewModel(solace: solace))
        _insights = State(initialValue: InsightsViewModel(solace: solace))
        _safety = State(initialValue: SafetyPlanViewModel(solace: solace))
        _messages = State(initialValue: MessagesViewModel(solace: solace))
    }

    var body: some View {
        TabView {
            screen(TodayView(vm: today, checkIn: checkIn)).tabItem { Label("Today", systemImage: "sun.max") }
            screen(JournalView(vm: journal)).tabItem { Label("Journal", systemImage: "book") }
            screen(HabitsView(vm: habits)).tabItem { Label("Habits", systemImage: "checkmark.circle") }
            screen(InsightsView(vm: insights)).tabItem { Label("Insights", systemImage: "chart.xyaxis.line") }
            screen(MessagesView(vm: messages)).tabItem { Label("Messages", systemImage: "bubble.left.and.bubble.right") }
        }
        .onAppear { if messageArrivals == nil { messageArrivals = messages.subscribe() } }
        .onDisappear {
            messageArrivals?.cancel()
            messageArrivals = nil
        }
        .sheet(isPresented: $showSafety) { NavigationStack { SafetyPlanView(vm: safety) } }
        .sheet(isPresented: $showSettings) { NavigationStack { SettingsView(vm: settings, lock: lock) } }
    }

    private func screen<V: View>(_ content: V) -> some View {
        NavigationStack {
            content.toolbar {
                ToolbarItem(placement: .topBarLeading) {
                    Button { showSafety = true } label: { Image(systemName: "cross.case") }
                        .accessibilityLabel("Open my safety plan")
                }
                ToolbarItemGroup(placement: .topBarTrailing) {
                    if settings.state.settings.quickHide {
                        Button { settings.quickHide() } label: { Image(systemName: "eye.slash") }
                            .accessibilityLabel("Hide Solace now")
                    }
                    Button { showSettings = true } label: { Image(systemName: "gearshape") }
                        .accessibilityLabel("Settings")
                }
            }
            .navigationTitle(settings.state.settings.identity.displayName)
        }
    }
}

/// What quick hide shows: a plain, empty notes screen under the neutral name. A long press leads
/// back to the lock screen (the store is already locked).
struct NeutralView: View {
    let title: String
    let onLongPress: () -> Void
    var body: some View {
        NavigationStack {
            Text("No notes yet.").font(.body).foregroundStyle(.secondary)
                .frame(maxWidth: .infinity, maxHeight: .infinity)
                .contentShape(Rectangle())
                .onLongPressGesture(perform: onLongPress)
                .navigationTitle(title)
        }
    }
}

/// An error line VoiceOver announces. Fonts are text styles, so Dynamic Type applies everywhere.
struct ErrorLine: View {
    let error: UiError?
    var body: some View {
        if let error {
            Text(error.message).font(.callout).foregroundStyle(.red)
                .accessibilityAddTraits(.updatesFrequently)
        }
    }
}
