import Solace
import SolaceViewModels
import SwiftUI

struct HabitsView: View {
    let vm: HabitsViewModel

    var body: some View {
        List {
            ErrorLine(error: vm.state.error)
            if let editor = vm.state.editor {
                TextField("Habit", text: bind(\.name))
                Picker("How often", selection: Binding(get: { editor.kind }, set: { k in vm.edit { $0.kind = k } })) {
                    Text("Every day").tag(ScheduleKind.daily)
                    Text("Times a week").tag(ScheduleKind.timesPerWeek)
                    Text("Weekdays").tag(ScheduleKind.weekdays)
                    Text("Every N days").tag(ScheduleKind.everyNDays)
                }
                if editor.kind == .weekdays {
                    ForEach(HabitsViewModel.week, id: \.self) { d in
                        Toggle(HabitsViewModel.dayName(d), isOn: Binding(get: { editor.weekdays.contains(d) }, set: { _ in vm.toggleWeekday(d) }))
                    }
                } else if editor.kind != .daily {
                    Stepper("\(editor.times)", value: Binding(get: { editor.times }, set: { n in vm.edit { $0.times = n } }), in: 1...31)
                }
                TextField("If… (cue)", text: bind(\.cue))
                TextField("…then I will", text: bind(\.action))
                TextField("Reminder HH:MM (optional)", text: bind(\.reminder))
                ErrorLine(error: editor.error)
                HStack { Button("Cancel") { vm.cancelEditor() }; Spacer(); Button("Save") { vm.saveHabit() } }
            } else {
                Button("New habit") { vm.newHabit() }
                ForEach(vm.state.rows) { row in
                    HStack {
                        VStack(alignment: .leading) {
                            Text(row.name).font(.headline)
                            Text(row.scheduleLabel).font(.subheadline)
                            if let plan = row.planLabel { Text(plan).font(.footnote) }
                            Text("\(row.currentStreak) \(row.streakLabel) · best \(row.bestStreak) · strength \(row.strengthPercent)%").font(.caption)
                        }
                        .accessibilityElement(children: .ignore)
                        .accessibilityLabel(row.accessibilityLabel)
                        Spacer()
                        Button { vm.toggleToday(id: row.id) } label: {
                            Image(systemName: row.doneToday ? "checkmark.circle.fill" : "circle").imageScale(.large)
                        }
                        .buttonStyle(.borderless)
                        .accessibilityLabel(row.doneToday ? "Undo today" : "Mark done today")
                        Button("Skip") { vm.skipToday(id: row.id) }.buttonStyle(.borderless)
                    }
                }
            }
        }
        .onAppear { vm.load() }
    }

    private func bind(_ key: WritableKeyPath<HabitEditor, String>) -> Binding<String> {
        Binding(get: { vm.state.editor?[keyPath: key] ?? "" }, set: { v in vm.edit { $0[keyPath: key] = v } })
    }
}
