import Foundation
import Observation

// Messaging with the therapist. The core and bindings are gaining a `messages` group right now
// (send / list / conversations / pause / resume, with per-message status). This file fixes the
// *screen's* contract only: the SwiftUI messages screen is written against
// `MessagesViewModelProtocol`. The adapter over the real bindings is a TODO (see
// `PendingMessagesViewModel`) and is deliberately not covered by tests yet.

/// Where an outgoing message is.
public enum DeliveryStatus: CaseIterable, Sendable {
    case queued, sent, delivered, read, wedged

    /// The status line under a bubble, and what VoiceOver says.
    public var label: String {
        switch self {
        case .queued: return "Waiting to send"
        case .sent: return "Sent"
        case .delivered: return "Delivered"
        case .read: return "Read"
        case .wedged: return "Not sent. Tap to retry"
        }
    }
}

public struct ConversationRow: Equatable, Identifiable, Sendable {
    public let id: String
    /// The therapist's display name (in the app only, never in a notification).
    public let title: String
    public let unread: Int
    public let paused: Bool
    public let lastActivity: String?
}

public struct MessageBubble: Equatable, Identifiable, Sendable {
    public let id: String
    public let text: String
    public let outgoing: Bool
    public let at: String
    /// nil for incoming messages.
    public let status: DeliveryStatus?
}

public struct MessagesState: Equatable, Sendable {
    public var conversations: [ConversationRow] = []
    public var selected: String?
    public var messages: [MessageBubble] = []
    /// The selected conversation is paused: nothing is sent or received until resumed.
    public var paused = false
    /// Kept encrypted by the core between visits.
    public var draft = ""
    /// Messaging isn't available in this build yet.
    public var unavailable = false
    public var error: UiError?

    public var canSend: Bool { selected != nil && !paused && !draft.trimmingCharacters(in: .whitespaces).isEmpty }
    public var totalUnread: Int { conversations.reduce(0) { $0 + $1.unread } }
}

/// What the messages screen needs.
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
}

/// TODO(messaging): replace with an adapter over `solace.messages()` once the messaging group
/// lands in the bindings (map its conversations, message statuses, pause/resume and encrypted
/// drafts onto `MessagesState`), then add XCTest cases like the other view models'. Until then
/// the screen shows "not available yet" and sends nothing.
@Observable
public final class PendingMessagesViewModel: MessagesViewModelProtocol {
    public private(set) var state = MessagesState(unavailable: true)
    public init() {}
    public func load() {}
    public func open(conversationId: String) {}
    public func close() {}
    public func updateDraft(_ text: String) { state.draft = text }
    public func send() {}
    public func retry(messageId: String) {}
    public func pause() {}
    public func resume() {}
}
