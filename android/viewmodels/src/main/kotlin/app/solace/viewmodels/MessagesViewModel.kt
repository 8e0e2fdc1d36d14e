package app.solace.viewmodels

import app.solace.ffi.Conversation
import app.solace.ffi.IdentityStatus
import app.solace.ffi.IdentityView
import app.solace.ffi.Message
import app.solace.ffi.MessageStatus
import app.solace.ffi.MessagesInterface
import app.solace.ffi.Solace
import app.solace.ffi.SolaceException
import app.solace.ffi.SolaceListener
import app.solace.ffi.Subscription
import app.solace.ffi.SyncState
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import app.solace.ffi.deliveryStatusLabel
import app.solace.ffi.identityView
import app.solace.ffi.messageIsSystemLine
import app.solace.ffi.messageText
import app.solace.ffi.messageRetryable
import app.solace.ffi.unreadTotal
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

// End-to-end encrypted messaging with a therapist (or, on a therapist's device, with clients),
// over `solace.messages()`. The view model only maps the bindings' records onto [MessagesState]
// and calls through: composing, statuses, pause, drafts and notification discretion all live in
// the core, and so does the wording of a conversation's identity (safety number, verified, a
// change waiting) and which messages are system lines. Everything is local and quick except
// [MessagesViewModel.sync] (network).

data class ConversationRow(
    /** The peer's account id. */
    val id: String,
    /** The therapist's (or client's) name (shown in the app only, never in a notification). */
    val title: String,
    val unread: Int,
    /** Paused by this person. */
    val paused: Boolean,
    val lastActivity: String?,
    /** Paused by the other side. */
    val peerPaused: Boolean = false,
)

data class MessageBubble(
    val id: String,
    val text: String,
    val outgoing: Boolean,
    val at: String,
    /** Null for incoming messages and system lines. */
    val status: MessageStatus?,
    /** The status line under the bubble (and what a screen reader says); null for incoming. */
    val statusLabel: String?,
    /** Failed repeatedly: the bubble offers "retry" ([MessagesViewModel.retry]). */
    val canRetry: Boolean,
    /**
     * A notice Solace added ("Dr. Kim added a device"): drawn as a line across the
     * conversation, not as a bubble from either side; no status, never unread (from the core).
     */
    val systemLine: Boolean = false,
)

data class MessagesState(
    val conversations: List<ConversationRow> = emptyList(),
    val selected: String? = null,
    /** The selected conversation's peer name. */
    val title: String? = null,
    val messages: List<MessageBubble> = emptyList(),
    /** The selected conversation is paused by this person: no reminders or notifications; both sides see it. */
    val paused: Boolean = false,
    /** The other side paused the selected conversation. */
    val peerPaused: Boolean = false,
    /** Kept encrypted by the core between visits. */
    val draft: String = "",
    /** Messaging needs sync to be set up on this device (it is not registered with a server). */
    val unavailable: Boolean = false,
    /** A network round is running. */
    val syncing: Boolean = false,
    /**
     * Text for a notification about the last round's new messages (null: none due, e.g. only
     * paused conversations got some). The core keeps it discreet by default: "You have a new
     * update", no name, count or content.
     */
    val notification: String? = null,
    val error: UiError? = null,
    /** Unread messages over all conversations (the badge; counted by the core). */
    val totalUnread: Int = 0,
    /**
     * The selected conversation's identity, worded by the core: the safety number (grouped,
     * in rows, spoken), its QR payload, verified, the status line ("Identity changed — sending
     * paused until you accept" while a change waits) and which actions are offered. Null when
     * no conversation is open (or this account has no identity yet).
     */
    val identity: IdentityView? = null,
) {
    val canSend: Boolean get() = selected != null && draft.isNotBlank()
    /** The other person's identity changed: what is sent waits until [MessagesViewModel.acceptIdentityChange]. */
    val sendingPaused: Boolean get() = identity?.sendingPaused == true
    /** Ids of messages that need a "retry" tap. */
    val retryable: List<String> get() = messages.filter { it.canRetry }.map { it.id }
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

    /** After comparing the safety number (in person or by QR code): marks the conversation verified. */
    fun markVerified()

    /** Withdraws "verified" from the open conversation. */
    fun unverify()

    /** Accepts the other person's changed identity: sending resumes with the next sync, not verified. */
    fun acceptIdentityChange()

    /** *Network*, launched in the view model's scope: takes in new messages, sends the outbox, reloads. */
    fun sync(): Job
}

/**
 * The messages screen over `solace.messages()`. Conversations come from active links (set up
 * through the directory); [send] only queues (works offline) and [sync] — or the app's
 * background sync — delivers. Opening a conversation marks it read (a read receipt is queued).
 * [messages] is `solace.messages()`; tests may wrap it to reach states a real server cannot
 * produce (another identity).
 */
class SolaceMessagesViewModel(
    private val solace: Solace,
    private val scope: CoroutineScope,
    private val zone: ZoneId = ZoneId.systemDefault(),
    private val messages: MessagesInterface = solace.messages(),
) : StateHolder<MessagesState>(MessagesState()), MessagesViewModel {

    override fun load() {
        val selected = current.selected
        var all = attempt(::fail) { messages.conversations() } ?: return
        if (selected != null && all.any { it.peerAccount == selected && it.unread > 0u }) {
            // The conversation is on screen: what arrived has been seen (queues a read receipt).
            attempt(::fail) { messages.markRead(selected) } ?: return
            all = attempt(::fail) { messages.conversations() } ?: return
        }
        val open = all.firstOrNull { it.peerAccount == selected }
        val thread = if (selected != null) attempt(::fail) { messages.messages(selected) } ?: return else emptyList()
        val identity = if (selected == null) {
            null
        } else {
            try {
                identityView(messages.identityStatus(selected))
            } catch (e: SolaceException.IdentityUnavailable) {
                null // this account has no identity yet (before its first messaging round)
            } catch (e: SolaceException) {
                fail(e.toUiError())
                return
            }
        }
        update { s ->
            s.copy(
                conversations = all.map { row(it, zone) },
                totalUnread = unreadTotal(all).toInt(),
                title = open?.peerName,
                messages = thread.map { bubble(it, zone) },
                paused = open?.paused ?: false,
                peerPaused = open?.peerPaused ?: false,
                identity = identity,
                error = null,
            )
        }
    }

    /** Shows a conversation with its kept draft and marks it read. */
    override fun open(conversationId: String) {
        val all = attempt(::fail) { messages.conversations() } ?: return
        val conversation = all.firstOrNull { it.peerAccount == conversationId }
        if (conversation == null) {
            fail(UiError.NotFound("conversation"))
            return
        }
        update { it.copy(selected = conversationId, draft = conversation.draft ?: "", messages = emptyList()) }
        load()
    }

    override fun close() {
        update {
            it.copy(
                selected = null, title = null, messages = emptyList(), draft = "", paused = false, peerPaused = false,
                identity = null,
            )
        }
        load()
    }

    /** Keeps the draft (encrypted by the core) so it survives leaving the screen or the app. */
    override fun updateDraft(text: String) {
        update { it.copy(draft = text) }
        val peer = current.selected ?: return
        attempt(::fail) { messages.setDraft(peer, text.ifBlank { null }) }
    }

    /** Queues the draft as a message (stored encrypted, status "Waiting to send"). */
    override fun send() {
        val s = current
        val peer = s.selected ?: return
        if (!s.canSend) return
        attempt(::fail) { messages.sendText(peer, s.draft) } ?: return
        update { it.copy(draft = "") } // the core cleared the stored draft in the same transaction
        load()
    }

    override fun retry(messageId: String) {
        attempt(::fail) { messages.retry(messageId) }
        load()
    }

    override fun pause() = setPaused(true)

    override fun resume() = setPaused(false)

    override fun markVerified() = changeIdentity { messages.markVerified(it, true) }

    override fun unverify() = changeIdentity { messages.markVerified(it, false) }

    /** Queued messages go out with the next [sync]. */
    override fun acceptIdentityChange() = changeIdentity { messages.acceptIdentityChange(it) }

    override fun sync(): Job = scope.launch {
        update { it.copy(syncing = true) }
        val report = try {
            messages.sync()
        } catch (e: SolaceException) {
            update { it.copy(syncing = false, unavailable = e is SolaceException.NotRegistered) }
            if (e !is SolaceException.NotRegistered) fail(e.toUiError())
            return@launch
        } finally {
            if (!isActive) update { it.copy(syncing = false) }
        }
        update { it.copy(syncing = false, unavailable = false, notification = report.notification) }
        load()
    }

    /** The listener's `onMessageArrived`: reload the list (and the open conversation). */
    fun messageArrived(conversationId: String) {
        load()
    }

    /** Reloads whenever a sync (foreground or background) brings messages; cancel on dispose. */
    fun subscribe(): Subscription = solace.subscribe(
        object : SolaceListener {
            override fun onSyncStateChanged(state: SyncState) {}
            override fun onMessageArrived(conversationId: String) = messageArrived(conversationId)
        },
    )

    private fun setPaused(paused: Boolean) {
        val peer = current.selected ?: return
        attempt(::fail) { messages.setPaused(peer, paused) }
        load()
    }

    /** Runs one identity call on the open conversation and shows the status it returns. */
    private fun changeIdentity(call: (String) -> IdentityStatus) {
        val peer = current.selected ?: return
        val status = attempt(::fail) { call(peer) } ?: return
        update { it.copy(identity = identityView(status), error = null) }
    }

    private fun fail(error: UiError) = update { it.copy(error = error) }

    companion object {
        private val format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")

        private fun time(ms: Long, zone: ZoneId): String = format.format(Instant.ofEpochMilli(ms).atZone(zone))

        fun row(c: Conversation, zone: ZoneId = ZoneId.systemDefault()) = ConversationRow(
            id = c.peerAccount,
            title = c.peerName,
            unread = c.unread.toInt(),
            paused = c.paused,
            lastActivity = c.lastAtMs?.let { time(it, zone) },
            peerPaused = c.peerPaused,
        )

        /** A binding message as a bubble (text, status line, retry and system line from the core). */
        fun bubble(m: Message, zone: ZoneId = ZoneId.systemDefault()) = MessageBubble(
            id = m.id,
            text = messageText(m.content),
            outgoing = m.outgoing,
            at = time(m.sentAtMs, zone),
            status = if (m.outgoing) m.status else null,
            statusLabel = deliveryStatusLabel(m.status, m.outgoing),
            canRetry = messageRetryable(m.status, m.outgoing),
            systemLine = messageIsSystemLine(m.content),
        )
    }
}
