import Solace
import SolaceViewModels
import SwiftUI

/// End-to-end encrypted messages with the therapist, written against `MessagesViewModelProtocol`
/// (the app passes `MessagesViewModel`). Sending only queues; a sync on appearing and after each
/// send delivers (background refresh does the rest).
struct MessagesView<VM: MessagesViewModelProtocol>: View {
    let vm: VM

    var body: some View {
        let state = vm.state
        Group {
            if state.unavailable {
                Text("Set up sync in Settings to message your therapist.").font(.body)
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
                        Text(state.title ?? "").font(.headline)
                        Spacer()
                        Button(state.paused ? "Resume" : "Pause") { state.paused ? vm.resume() : vm.pause() }
                    }
                    if state.paused { Text("Paused: no reminders or notifications until you resume. Your therapist sees this too.").font(.footnote) }
                    if state.peerPaused { Text("Your therapist paused this conversation.").font(.footnote) }
                    if let identity = state.identity { IdentityPanel(identity: identity, vm: vm) }
                    ErrorLine(error: state.error)
                    List(state.messages) { m in
                        if m.systemLine {
                            // A notice Solace added ("Dr. Kim added a device"): a line across, no bubble.
                            Text(m.text).font(.caption).foregroundStyle(.secondary)
                                .frame(maxWidth: .infinity, alignment: .center)
                        } else {
                            VStack(alignment: m.outgoing ? .trailing : .leading) {
                                Text(m.text).padding(8).background(RoundedRectangle(cornerRadius: 10).fill(.quaternary))
                                if let status = m.statusLabel { Text(status).font(.caption2) }
                            }
                            .frame(maxWidth: .infinity, alignment: m.outgoing ? .trailing : .leading)
                            .onTapGesture { if m.canRetry { vm.retry(messageId: m.id) } }
                        }
                    }
                    HStack {
                        TextField("Message", text: Binding(get: { vm.state.draft }, set: vm.updateDraft), axis: .vertical)
                        Button("Send") {
                            vm.send()
                            Task { await vm.sync() }
                        }.disabled(!state.canSend)
                    }
                    .padding()
                }
            }
        }
        .task {
            vm.load()
            await vm.sync()
        }
    }
}

/// The conversation's identity: the core's status line ("Identity changed — sending paused until
/// you accept" while a change waits, with the accept button), and on demand the safety number to
/// compare (rows as the core lays them out; VoiceOver reads it digit by digit) with "Mark as
/// verified" / "Unverify". The QR code is drawn from `identity.qrPayload`.
private struct IdentityPanel<VM: MessagesViewModelProtocol>: View {
    let identity: IdentityView
    let vm: VM
    @State private var expanded = false

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(identity.statusLabel).font(identity.sendingPaused ? Font.subheadline.bold() : Font.footnote)
                Spacer()
                if identity.safetyNumber != nil {
                    Button(expanded ? "Hide safety number" : "Safety number") { expanded.toggle() }
                }
            }
            if identity.canAcceptChange { Button("Accept the new identity") { vm.acceptIdentityChange() } }
            if expanded {
                VStack(alignment: .leading) {
                    ForEach(identity.safetyNumberRows, id: \.self) { Text($0).font(.body.monospaced()) }
                }
                .accessibilityElement(children: .ignore)
                .accessibilityLabel("Safety number: " + (identity.safetyNumberSpoken ?? ""))
                if identity.canMarkVerified { Button("Mark as verified") { vm.markVerified() } }
                if identity.canUnverify { Button("Unverify") { vm.unverify() } }
            }
        }
    }
}
