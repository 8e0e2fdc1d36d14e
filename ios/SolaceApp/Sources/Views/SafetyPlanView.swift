import SolaceViewModels
import SwiftUI

/// The safety plan: crisis lines first (tap to call), then the person's own plan. Offline.
struct SafetyPlanView: View {
    let vm: SafetyPlanViewModel
    @State private var drafts: [PlanSection: String] = [:]
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        List {
            Section("If you are in danger") {
                ForEach(vm.state.resources, id: \.name) { r in
                    if let number = r.dial, let url = URL(string: "tel:\(number)") {
                        Link("\(r.name): \(r.contact)", destination: url).accessibilityHint("Calls \(r.name)")
                    } else {
                        Text("\(r.name): \(r.contact)")
                    }
                }
                Text(vm.state.disclaimer).font(.footnote)
            }
            ErrorLine(error: vm.state.error)
            ForEach(PlanSection.allCases, id: \.self) { section in
                Section(section.title) {
                    if vm.state.items(section).isEmpty && !vm.state.editing { Text(section.hint).font(.footnote) }
                    ForEach(Array(vm.state.items(section).enumerated()), id: \.offset) { i, item in
                        HStack {
                            Text(item)
                            if vm.state.editing {
                                Spacer()
                                Button("Remove") { vm.removeItem(section, at: i) }.buttonStyle(.borderless)
                            }
                        }
                    }
                    if vm.state.editing {
                        TextField("Add", text: Binding(get: { drafts[section] ?? "" }, set: { drafts[section] = $0 }))
                            .onSubmit { vm.addItem(section, drafts[section] ?? ""); drafts[section] = "" }
                    }
                }
            }
        }
        .navigationTitle("My safety plan")
        .toolbar {
            if vm.state.editing {
                Button("Save") { vm.save() }
            } else {
                Button("Edit") { vm.startEditing() }
                Button("Close") { dismiss() }
            }
        }
        .onAppear { vm.load() }
    }
}
