package app.solace.viewmodels

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

// Messaging with the therapist. The core and bindings are gaining a `messages` group right now
// (send / list / conversations / pause / resume, with per-message status). This file fixes the
// *screen's* contract only: the Compose and SwiftUI messages screens are written against
// [MessagesViewModel]. The adapter over the real bindings is a TODO (see
// [PendingMessagesViewModel]) and is deliberately not covered by tests yet.

/** Where an outgoing message is. */
enum class DeliveryStatus {
    /** Stored encrypted on the device, waiting for a connection. */
    QUEUED,
    /** Accepted by the server. */
    SENT,
    /** Decrypted on the therapist's device. */
    DELIVERED,
    /** The therapist opened it. */
    READ,
    /** Repeated failures: the person must retry or delete it. */
    WEDGED,
    ;

    /** The status line under a bubble, and what a screen reader says. */
    val label: String
        get() = when (this) {
            QUEUED -> "Waiting to send"
            SENT -> "Sent"
            DELIVERED -> "Delivered"
            READ -> "Read"
            WEDGED -> "Not sent. Tap to retry"
        }
}

data class ConversationRow(
    val id: String,
    /** The therapist's display name (shown in the app only, never in a notification). */
    val title: String,
    val unread: Int,
    val paused: Boolean,
    val lastActivity: String?,
)

data class MessageBubble(
    val id: String,
    val text: String,
    val outgoing: Boolean,
    val at: String,
    /** Null for incoming messages. */
    val status: DeliveryStatus?,
)

data class MessagesState(
    val conversations: List<ConversationRow> = emptyList(),
    val selected: String? = null,
    val messages: List<MessageBubble> = emptyList(),
    /** The selected conversation is paused: nothing is sent or received until resumed. */
    val paused: Boolean = false,
    /** Kept encrypted by the core between visits. */
    val draft: String = "",
    /** Messaging isn't available in this build yet. */
    val unavailable: Boolean = false,
    val error: UiError? = null,
) {
    val canSend: Boolean get() = selected != null && !paused && draft.isNotBlank()
    val totalUnread: Int get() = conversations.sumOf { it.unread }
}

/** What the messages screens need. */
interface MessagesViewModel {
    val state: StateFlow<MessagesState>
    fun load()
    fun open(conversationId: String)
    fun close()
    fun updateDraft(text: String)
    fun send()
    fun retry(messageId: String)
    fun pause()
    fun resume()
}

/**
 * TODO(messaging): replace with an adapter over `solace.messages()` once the messaging group
 * lands in the bindings (map its conversations, message statuses, pause/resume and encrypted
 * drafts onto [MessagesState]), then add JVM tests like the other view models'. Until then the
 * screen shows "not available yet" and sends nothing.
 */
class PendingMessagesViewModel : MessagesViewModel {
    private val mutable = MutableStateFlow(MessagesState(unavailable = true))
    override val state: StateFlow<MessagesState> = mutable.asStateFlow()
    override fun load() {}
    override fun open(conversationId: String) {}
    override fun close() {}
    override fun updateDraft(text: String) {
        mutable.value = mutable.value.copy(draft = text)
    }
    override fun send() {}
    override fun retry(messageId: String) {}
    override fun pause() {}
    override fun resume() {}
}
