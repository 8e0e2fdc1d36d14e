import Foundation
import Observation
import Solace

// End-to-end encrypted messaging with a therapist (or, on a therapist's device, with clients),
// over `solace.messages()`. The view model only maps the bindings' records onto `MessagesState`
// and calls through: composing, statuses, pause, drafts and notification discretion all live in
// the core, and so does the wording of a conversation's identity (safety number, verified, a
// change waiting) and which messages are system lines. Everything is local and quick except
// `sync()` (network, run off the caller's thread).

public struct ConversationRow: Equatable, Identifiable, Sendable {
    /// The peer's account id.
    public let id: String
    /// The therapist's (or client's) name (in the app only, never in a notification).
    public let title: String
    public let unread: Int
    /// Paused by this person.
    public let paused: Bool
    public let lastActivity: String?
    /// Paused by the other side.
    public var peerPaused = false
}

public struct MessageBubble: Equatable, Identifiable, Sendable {
    public let id: String
    public let text: String
    public let outgoing: Bool
    public let at: String
    /// nil for incoming messages and system lines.
    public let status: MessageStatus?
    /// The status line under the bubble (and what VoiceOver says); nil for incoming (from the core).
    public let statusLabel: String?
    /// Failed repeatedly: the bubble offers "retry" (`retry(messageId:)`; from the core).
    public let canRetry: Bool
    /// A notice Solace added ("Dr. Kim added a device"): drawn as a line across the
    /// conversation, not as a bubble from either side; no status, never unread (from the core).
    public var systemLine = false
}

public struct MessagesState: Equatable, Sendable {
    public var conversations: [ConversationRow] = []
    public var selected: String?
    /// The selected conversation's peer name.
    public var title: String?
    public var messages: [MessageBubble] = []
    /// The selected conversation is paused by this person: no reminders or notifications; both sides see it.
    public var paused = false
    /// The other side paused the selected conversation.
    public var peerPaused = false
    /// Kept encrypted by the core between visits.
    public var draft = ""
    /// Messaging needs sync to be set up on this device (it is not registered with a server).
    public var unavailable = false
    /// A network round is running.
    public var syncing = false
    /// Text for a notification about the last round's new messages (nil: none due). The core keeps
    /// it discreet by default: "You have a new update", no name, count or content.
    public var notification: String?
    public var error: UiError?

    public var canSend: Bool { selected != nil && !draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    /// Unread messages over all conversations (the badge; counted by the core).
    public var totalUnread = 0
    /// Ids of messages that need a "retry" tap.
    public var retryable: [String] { messages.filter(\.canRetry).map(\.id) }
    /// The selected conversation's identity, worded by the core: the safety number (grouped, in
    /// rows, spoken), its QR payload, verified, the status line ("Identity changed — sending
    /// paused until you accept" while a change waits) and which actions are offered. nil when no
    /// conversation is open (or this account has no identity yet).
    public var identity: IdentityView?
    /// The other person's identity changed: what is sent waits until `acceptIdentityChange()`.
    public var sendingPaused: Bool { identity?.sendingPaused == true }
}

/// What the messages screen needs.
@MainActor
public protocol MessagesViewModelProtocol: AnyObject, Observable {
    var state: MessagesState { get }
    func load()
    func open(conversationId: String)
    func close()
    func updateDraft(_ text: String)
    func send()
    func retry(messageId: String)
    func pause()
    func resume()
    /// After comparing the safety number (in person or by QR code): marks the conversation verified.
    func markVerified()
    /// Withdraws "verified" from the open conversation.
    func unverify()
    /// Accepts the other person's changed identity: sending resumes with the next sync, not verified.
    func acceptIdentityChange()
    /// *Network* (off the caller's thread): takes in new messages, sends the outbox, reloads.
    func sync() async
}

/// The messages screen over `solace.messages()`. Conversations come from active links (set up
/// through the directory); `send()` only queues (works offline) and `sync()` — or background
/// refresh — delivers. Opening a conversation marks it read (a read receipt is queued).
/// `messages` defaults to `solace.messages()`; tests may wrap it to reach states a real server
/// cannot produce (another identity).
@MainActor
@Observable
public final class MessagesViewModel: MessagesViewModelProtocol {
    public private(set) var state = MessagesState()
    @ObservationIgnored private let solace: Solace
    @ObservationIgnored private let messages: MessagesProtocol
    @ObservationIgnored private let timeZone: TimeZone

    public init(solace: Solace, timeZone: TimeZone = .current, messages: MessagesProtocol? = nil) {
        self.solace = solace
        self.messages = messages ?? solace.messages()
        self.timeZone = timeZone
    }

    public func load() {
        let selected = state.selected
        guard var all = attempt(fail, { try messages.conversations() }) else { return }
        if let selected, all.contains(where: { $0.peerAccount == selected && $0.unread > 0 }) {
            // The conversation is on screen: what arrived has been seen (queues a read receipt).
            guard attempt(fail, { try messages.markRead(peerAccount: selected) }) != nil,
                  let again = attempt(fail, { try messages.conversations() }) else { return }
            all = again
        }
        let open = all.first { $0.peerAccount == selected }
        var thread: [Message] = []
        if let selected {
            guard let found = attempt(fail, { try messages.messages(peerAccount: selected) }) else { return }
            thread = found
        }
        var identity: IdentityView?
        if let selected {
            do {
                identity = identityView(status: try messages.identityStatus(peerAccount: selected))
            } catch SolaceError.IdentityUnavailable {
                identity = nil // this account has no identity yet (before its first messaging round)
            } catch {
                return fail(UiError(error))
            }
        }
        let zone = timeZone
        state.conversations = all.map { Self.row($0, timeZone: zone) }
        state.totalUnread = Int(unreadTotal(conversations: all))
        state.title = open?.peerName
        state.messages = thread.map { Self.bubble($0, timeZone: zone) }
        state.paused = open?.paused ?? false
        state.peerPaused = open?.peerPaused ?? false
        state.identity = identity
        state.error = nil
    }

    /// Shows a conversation with its kept draft and marks it read.
    public func open(conversationId: String) {
        guard let all = attempt(fail, { try messages.conversations() }) else { return }
        guard let conversation = all.first(where: { $0.peerAccount == conversationId }) else {
            return fail(.notFound("conversation"))
        }
        state.selected = conversationId
        state.draft = conversation.draft ?? ""
        state.messages = []
        load()
    }

    public func close() {
        state.selected = nil
        state.title = nil
        state.messages = []
        state.draft = ""
        state.paused = false
        state.peerPaused = false
        state.identity = nil
        load()
    }

    /// Keeps the draft (encrypted by the core) so it survives leaving the screen or the app.
    public func updateDraft(_ text: String) {
        state.draft = text
        guard let peer = state.selected else { return }
        let kept = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
        attempt(fail) { try messages.setDraft(peerAccount: peer, draft: kept) }
    }

    /// Queues the draft as a message (stored encrypted, status "Waiting to send").
    public func send() {
        guard let peer = state.selected, state.canSend else { return }
        let text = state.draft
        guard attempt(fail, { try messages.sendText(peerAccount: peer, text: text) }) != nil else { return }
        state.draft = "" // the core cleared the stored draft in the same transaction
        load()
    }

    public func retry(messageId: String) {
        attempt(fail) { try messages.retry(messageId: messageId) }
        load()
    }

    public func pause() { setPaused(true) }

    public func resume() { setPaused(false) }

    public func markVerified() { changeIdentity { try $0.markVerified(peerAccount: $1, verified: true) } }

    public func unverify() { changeIdentity { try $0.markVerified(peerAccount: $1, verified: false) } }

    /// Queued messages go out with the next `sync()`.
    public func acceptIdentityChange() { changeIdentity { try $0.acceptIdentityChange(peerAccount: $1) } }

    public func sync() async {
        state.syncing = true
        let messages = self.messages
        let result = await catching { try await messages.sync() }
        state.syncing = false
        switch result {
        case .success(let report):
            state.unavailable = false
            state.notification = report.notification
            load()
        case .failure(let error):
            if case .NotRegistered? = error as? SolaceError {
                state.unavailable = true
            } else {
                state.unavailable = false
                fail(UiError(error))
            }
        }
    }

    /// The listener's `onMessageArrived`: reload the list (and the open conversation).
    public func messageArrived(conversationId: String) {
        load()
    }

    /// Reloads whenever a sync (foreground or background) brings messages; cancel the returned
    /// subscription when the screen goes away. Listener calls come on the syncing thread, so
    /// `deliver` hops (to the main queue by default).
    public func subscribe(
        deliver: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { DispatchQueue.main.async(execute: $0) }
    ) -> Subscription {
        solace.subscribe(listener: ArrivalListener(vm: self, deliver: deliver))
    }

    private func setPaused(_ paused: Bool) {
        guard let peer = state.selected else { return }
        attempt(fail) { try messages.setPaused(peerAccount: peer, paused: paused) }
        load()
    }

    /// Runs one identity call on the open conversation and shows the status it returns.
    private func changeIdentity(_ call: (MessagesProtocol, String) throws -> IdentityStatus) {
        guard let peer = state.selected else { return }
        let messages = self.messages
        guard let status = attempt(fail, { try call(messages, peer) }) else { return }
        state.identity = identityView(status: status)
        state.error = nil
    }

    private func fail(_ error: UiError) { state.error = error }

    nonisolated private static func time(_ ms: Int64, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    nonisolated public static func row(_ c: Conversation, timeZone: TimeZone = .current) -> ConversationRow {
        ConversationRow(id: c.peerAccount, title: c.peerName, unread: Int(c.unread), paused: c.paused,
                        lastActivity: c.lastAtMs.map { time($0, timeZone: timeZone) }, peerPaused: c.peerPaused)
    }

    /// A binding message as a bubble (text, status line, retry and system line from the core).
    nonisolated public static func bubble(_ m: Message, timeZone: TimeZone = .current) -> MessageBubble {
        MessageBubble(id: m.id, text: messageText(content: m.content), outgoing: m.outgoing,
                      at: time(m.sentAtMs, timeZone: timeZone), status: m.outgoing ? m.status : nil,
                      statusLabel: deliveryStatusLabel(status: m.status, outgoing: m.outgoing),
                      canRetry: messageRetryable(status: m.status, outgoing: m.outgoing),
                      systemLine: messageIsSystemLine(content: m.content))
    }
}

/// Forwards `onMessageArrived` to the view model (weakly: the subscription must not keep it alive).
private final class ArrivalListener: SolaceListener, @unchecked Sendable {
    weak var vm: MessagesViewModel?
    let deliver: @Sendable (@escaping @Sendable () -> Void) -> Void

    init(vm: MessagesViewModel, deliver: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.vm = vm
        self.deliver = deliver
    }

    func onSyncStateChanged(state: SyncState) {}

    func onMessageArrived(conversationId: String) {
        deliver { [weak vm = self.vm] in
            Task { @MainActor in vm?.messageArrived(conversationId: conversationId) }
        }
    }
}
