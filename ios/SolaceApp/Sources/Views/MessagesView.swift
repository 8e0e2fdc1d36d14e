import SolaceViewModels
import SwiftUI

/// Messages with the therapist, written against `MessagesViewModelProtocol`. Until the bindings'
/// messaging group lands, the app passes the TODO adapter and this shows "not available yet".
struct MessagesView<VM: MessagesViewModelProtocol>: View {
    let vm: VM

    var body: some View {
        let state = vm.state
        Group {
            if state.unavailable {
                Text("Messaging with your therapist is coming soon.").font(.body)
            } else if state.selected == nil {
                List(state.conversations) { c in
                    Button { vm.open(conversationId: c.id) } label: {
                        HStack {
                            Text(c.title).font(.headline)
                            Spacer()
                            if c.paused { Image(systemName: "pause.circle").accessibilityLabel("paused") }
                            if c.unread > 0 { Text("\(c.unread)").font(.caption).padding(4).background(Capsule().fill(.tint)) }
                        }
                    }
                    .accessibilityLabel(c.title + (c.unread > 0 ? ", \(c.unread) unread" : "") + (c.paused ? ", paused" : ""))
                }
            } else {
                VStack {
                    HStack {
                        Button("All conversations") { vm.close() }
                        Spacer()
                        Button(state.paused ? "Resume" : "Pause") { state.paused ? vm.resume() : vm.pause() }
                    }
                    if state.paused { Text("Paused: nothing is sent or received until you resume.").font(.footnote) }
                    ErrorLine(error: state.error)
                    List(state.messages) { m in
                        VStack(alignment: m.outgoing ? .trailing : .leading) {
                            Text(m.text).padding(8).background(RoundedRectangle(cornerRadius: 10).fill(.quaternary))
                            if let status = m.status { Text(status.label).font(.caption2) }
                        }
                        .frame(maxWidth: .infinity, alignment: m.outgoing ? .trailing : .leading)
                        .onTapGesture { if m.status == .wedged { vm.retry(messageId: m.id) } }
                    }
                    HStack {
                        TextField("Message", text: Binding(get: { vm.state.draft }, set: vm.updateDraft), axis: .vertical)
                            .disabled(state.paused)
                        Button("Send") { vm.send() }.disabled(!state.canSend)
                    }
                    .padding()
                }
            }
        }
        .onAppear { vm.load() }
    }
}
