import Solace
import SolaceViewModels
import SwiftUI

struct JournalView: View {
    let vm: JournalViewModel

    var body: some View {
        Group {
            if let editor = vm.state.editor {
                JournalEditorView(vm: vm, editor: editor)
            } else {
                List {
                    HStack {
                        Button("New entry") { vm.newEntry() }
                        Spacer()
                        Button("Thought record") { vm.newThoughtRecord() }
                    }
                    ScrollView(.horizontal) {
                        HStack {
                            ForEach(vm.state.tags.prefix(8), id: \.tag) { t in
                                Button("#\(t.tag) (\(t.count))") { vm.selectTag(t.tag) }
                                    .buttonStyle(.bordered).tint(vm.state.tag == t.tag ? .accentColor : .secondary)
                            }
                        }
                    }
                    ErrorLine(error: vm.state.error)
                    ForEach(vm.state.entries) { row in
                        Button { vm.open(id: row.id) } label: {
                            VStack(alignment: .leading) {
                                Text(row.title).font(.headline)
                                Text(row.preview).font(.body).lineLimit(2)
                                Text(row.day + (row.edited ? " · edited" : "")).font(.caption)
                            }
                        }
                    }
                }
                .searchable(text: Binding(get: { vm.state.query }, set: vm.setQuery), prompt: "Search your journal")
            }
        }
        .onAppear { vm.load() }
    }
}

private struct JournalEditorView: View {
    let vm: JournalViewModel
    let editor: JournalEditor
    @State private var emotion = ""
    @State private var intensity = 50.0

    var body: some View {
        Form {
            if editor.kind != .thoughtRecord {
                if editor.kind == .prompted { Text(editor.prompt).font(.headline) }
                TextField("Title (optional)", text: bind(\.title))
                TextField("Write freely", text: bind(\.text), axis: .vertical).lineLimit(6...)
            } else {
                Section("Step \(editor.stepNumber) of \(editor.stepCount): \(editor.step.title)") {
                    Text(editor.step.prompt).font(.title3)
                    thoughtStep
                }
            }
            TextField("Tags", text: bind(\.tags))
            ErrorLine(error: editor.error)
            HStack {
                Button("Cancel", role: .cancel) { vm.discard() }
                Spacer()
                if editor.kind == .thoughtRecord && editor.step != .situation { Button("Back") { vm.previousStep() } }
                if editor.kind == .thoughtRecord && !editor.isLastStep {
                    Button("Next") { vm.nextStep() }
                } else {
                    Button("Save") { vm.save() }
                }
            }
            if let id = editor.id { Button("Delete", role: .destructive) { vm.delete(id: id) } }
        }
    }

    @ViewBuilder private var thoughtStep: some View {
        let t = editor.thought
        switch editor.step {
        case .situation: TextField("Situation", text: thought(\.situation), axis: .vertical)
        case .automaticThought: TextField("Thought", text: thought(\.automaticThought), axis: .vertical)
        case .emotions:
            ForEach(t.emotions, id: \.emotion) { Text("\($0.emotion): \($0.intensity)") }
            TextField("Emotion", text: $emotion)
            Slider(value: $intensity, in: 0...100, step: 5).accessibilityValue("\(Int(intensity)) of 100")
            Button("Add emotion") { vm.addEmotion(emotion, intensity: Int(intensity)); emotion = "" }
        case .distortions:
            ForEach(Distortions.all, id: \.1) { d, label in
                Toggle(label, isOn: Binding(get: { t.distortions.contains(d) }, set: { _ in vm.toggleDistortion(d) }))
            }
        case .evidence:
            TextField("Supports it", text: thought(\.evidenceFor), axis: .vertical)
            TextField("Doesn't support it", text: thought(\.evidenceAgainst), axis: .vertical)
        case .balancedThought: TextField("Balanced thought", text: thought(\.balancedThought), axis: .vertical)
        case .rerate:
            ForEach(t.rerated, id: \.emotion) { e in
                VStack(alignment: .leading) {
                    Text("\(e.emotion): \(e.intensity)")
                    Slider(value: Binding(get: { Double(e.intensity) }, set: { vm.rerate(e.emotion, intensity: Int($0)) }), in: 0...100, step: 5)
                        .accessibilityValue("\(e.emotion) \(e.intensity) of 100")
                }
            }
        }
    }

    private func bind(_ key: WritableKeyPath<JournalEditor, String>) -> Binding<String> {
        Binding(get: { vm.state.editor?[keyPath: key] ?? "" }, set: { v in vm.edit { $0[keyPath: key] = v } })
    }

    private func thought(_ key: WritableKeyPath<ThoughtRecordForm, String>) -> Binding<String> {
        Binding(get: { vm.state.editor?.thought[keyPath: key] ?? "" }, set: { v in vm.editThought { $0[keyPath: key] = v } })
    }
}
