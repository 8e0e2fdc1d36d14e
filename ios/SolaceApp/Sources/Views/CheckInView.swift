import SolaceViewModels
import SwiftUI

struct CheckInView: View {
    let vm: CheckInViewModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Form {
                Section("How are you feeling?") {
                    Scale(value: Binding(get: { Double(vm.state.mood ?? 5) }, set: { vm.setMood(Int($0)) }), range: 1...10) {
                        "\($0), \(CheckInState.moodWord($0))"
                    }
                }
                Section("Emotions") {
                    ForEach(CheckInState.emotionChoices, id: \.self) { e in
                        Toggle(e, isOn: Binding(get: { vm.state.emotions.contains(e) }, set: { _ in vm.toggleEmotion(e) }))
                    }
                }
                Section("Note") {
                    TextField("Optional", text: Binding(get: { vm.state.note }, set: vm.setNote), axis: .vertical)
                }
                ErrorLine(error: vm.state.error)
                Button("Save check-in") { vm.save() }.disabled(!vm.state.canSave)
                if vm.state.justSaved { Text("Saved.") }
                Section("This week") {
                    ForEach(vm.state.recent) { r in Text("\(r.day) \(r.time) — \(r.mood)/10 \(r.emotions.joined(separator: ", "))") }
                }
            }
            .navigationTitle("Check-in")
            .toolbar { Button("Close") { dismiss() } }
            .onAppear { vm.load() }
        }
    }
}
