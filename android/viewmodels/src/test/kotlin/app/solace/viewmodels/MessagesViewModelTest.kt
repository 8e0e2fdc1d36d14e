package app.solace.viewmodels

import app.solace.ffi.AvailabilitySlot
import app.solace.ffi.CallState
import app.solace.ffi.DirectoryQuery
import app.solace.ffi.LinkInfo
import app.solace.ffi.Message
import app.solace.ffi.MessageContent
import app.solace.ffi.MessageStatus
import app.solace.ffi.Solace
import app.solace.ffi.SyncBudget
import app.solace.ffi.TherapistProfile
import java.time.ZoneOffset
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class MessagesViewModelTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    /** A therapist and a client registered on [server], linked through the directory. */
    private suspend fun linked(server: TestServer): Triple<Solace, Solace, LinkInfo> {
        val therapist = scratch.store()
        val client = scratch.store()
        therapist.sync().register(server.url, "dr-kim", PASSPHRASE, "office")
        client.sync().register(server.url, "casey", PASSPHRASE, "phone")
        therapist.messages().publishTherapistProfile(
            TherapistProfile(
                displayName = "Dr. Kim",
                bio = "CBT for worry",
                specialties = listOf("anxiety"),
                approaches = listOf("cbt"),
                languages = listOf("en"),
                slots = listOf(AvailabilitySlot("2026-12-01T10:00:00Z", 60u)),
            ),
        )
        val found = client.messages().searchDirectory(DirectoryQuery("anxiety", null, null, null)).single()
        val link = client.messages().requestLink(found.therapistId)
        therapist.messages().acceptLink(link.linkId)
        therapist.sync().syncNow(SyncBudget.UNLIMITED)
        client.sync().syncNow(SyncBudget.UNLIMITED)
        return Triple(therapist, client, link)
    }

    @Test
    fun clientAndTherapistMessageThroughTheViewModels() = runBlocking {
        TestServer(scratch).use { server ->
            val (therapist, client, link) = linked(server)

            // Client: the conversation list shows the therapist's name and no unread messages.
            val vm = SolaceMessagesViewModel(client, this)
            vm.load()
            val row = vm.current.conversations.single()
            assertEquals("Dr. Kim", row.title)
            assertEquals(0, row.unread)
            assertFalse(row.paused)
            assertNull(vm.current.error)

            // A draft is kept (encrypted by the core) across leaving the conversation and a new view model.
            vm.open(row.id)
            assertEquals(row.id, vm.current.selected)
            assertEquals("Dr. Kim", vm.current.title)
            assertFalse(vm.current.canSend)
            vm.updateDraft("half a thought")
            vm.close()
            assertNull(vm.current.selected)
            assertEquals("", vm.current.draft)
            vm.open(row.id)
            assertEquals("half a thought", vm.current.draft)
            val restarted = SolaceMessagesViewModel(client, this)
            restarted.open(row.id)
            assertEquals("half a thought", restarted.current.draft)

            // Send: queued at once (offline-safe), sent after a sync; the stored draft is gone.
            vm.updateDraft("hello from the app")
            assertTrue(vm.current.canSend)
            vm.send()
            assertEquals("", vm.current.draft)
            val queued = vm.current.messages.single()
            assertEquals("hello from the app", queued.text)
            assertTrue(queued.outgoing)
            assertEquals(MessageStatus.QUEUED, queued.status)
            assertEquals("Waiting to send", queued.statusLabel)
            assertFalse(queued.canRetry)
            assertNull(client.messages().conversations().single().draft)
            vm.sync().join()
            assertFalse(vm.current.syncing)
            assertEquals(MessageStatus.SENT, vm.current.messages.single().status)

            // Therapist: the message arrives, unread 1, under the client's name.
            val tvm = SolaceMessagesViewModel(therapist, this)
            tvm.load()
            assertTrue(tvm.current.conversations.single().unread == 0)
            tvm.sync().join()
            val incoming = tvm.current.conversations.single()
            assertEquals(link.clientId, incoming.id)
            assertEquals(link.clientName, incoming.title)
            assertEquals(1, incoming.unread)
            assertEquals(1, tvm.current.totalUnread)
            // The notification text is discreet by default: no name, count or content.
            assertTrue(therapist.messages().discreetNotifications())
            assertEquals(Notifications.DISCREET_BODY, tvm.current.notification)
            assertEquals(Notifications.DISCREET_BODY, Notifications.text(NotificationEvent.NEW_MESSAGE, AppSettings()).body)

            // The delivered receipt went out in the same round.
            vm.sync().join()
            assertEquals(MessageStatus.DELIVERED, vm.current.messages.single().status)

            // Opening the conversation marks it read; the receipt flows back after syncs.
            tvm.open(incoming.id)
            assertEquals(0, tvm.current.conversations.single().unread)
            assertEquals(0u, therapist.messages().conversations().single().unread)
            val shown = tvm.current.messages.single()
            assertEquals("hello from the app", shown.text)
            assertFalse(shown.outgoing)
            assertNull(shown.status)
            tvm.sync().join()
            vm.sync().join()
            assertEquals(MessageStatus.READ, vm.current.messages.single().status)
            assertEquals("Read", vm.current.messages.single().statusLabel)

            // Pause and resume: shown on this side at once, and on the other after syncs.
            vm.pause()
            assertTrue(vm.current.paused)
            assertTrue(vm.current.conversations.single().paused)
            vm.sync().join()
            tvm.sync().join()
            assertTrue(tvm.current.peerPaused)
            assertTrue(tvm.current.conversations.single().peerPaused)
            assertFalse(tvm.current.paused)
            vm.resume()
            assertFalse(vm.current.paused)
            assertFalse(vm.current.conversations.single().paused)
            vm.sync().join()
            tvm.sync().join()
            assertFalse(tvm.current.peerPaused)

            // The therapist replies; the client's list counts it; a background sync (not the
            // view model) refreshes the screen through the listener.
            tvm.updateDraft("hello back")
            tvm.send()
            tvm.sync().join()
            vm.close()
            val sub = vm.subscribe()
            client.sync().syncNow(SyncBudget.BACKGROUND)
            sub.cancel()
            assertEquals(1, vm.current.conversations.single().unread)
            vm.open(row.id)
            assertEquals(listOf("hello from the app", "hello back"), vm.current.messages.map { it.text })
            assertEquals(listOf(true, false), vm.current.messages.map { it.outgoing })
            assertEquals(0, vm.current.conversations.single().unread)
            assertNull(vm.current.error)
        }
    }

    @Test
    fun wedgedMessagesOfferRetry(): Unit = runBlocking {
        val zone = ZoneOffset.UTC
        val wedged = SolaceMessagesViewModel.bubble(
            Message("m1", "acc-dr", true, 1_764_583_200_000, MessageStatus.WEDGED, MessageContent.Text("are you there?")),
            zone,
        )
        assertEquals(MessageStatus.WEDGED, wedged.status)
        assertTrue(wedged.canRetry)
        assertEquals("Not sent. Tap to retry", wedged.statusLabel)
        assertEquals("2025-12-01 10:00", wedged.at)
        val incoming = SolaceMessagesViewModel.bubble(
            Message("m2", "acc-dr", false, 0, MessageStatus.UNREAD, MessageContent.Text("hi")),
            zone,
        )
        assertNull(incoming.status)
        assertFalse(incoming.canRetry)
        assertEquals("hi", incoming.text)
        val call = SolaceMessagesViewModel.bubble(
            Message(
                "m3", "acc-dr", false, 0, MessageStatus.UNREAD,
                MessageContent.Call("r1", "2025-12-02T18:00:00+01:00", 15u, CallState.Accepted("room-1")),
            ),
            zone,
        )
        assertEquals("Live session request: 2025-12-02T18:00:00+01:00, 15 min — accepted", call.text)
        val state = MessagesState(selected = "acc-dr", messages = listOf(wedged, incoming))
        assertEquals(listOf("m1"), state.retryable)

        // Retrying something not in the outbox is harmless.
        val vm = SolaceMessagesViewModel(scratch.store(), this)
        vm.retry("no-such-message")
        assertNull(vm.current.error)
    }

    @Test
    fun messagingNeedsSyncSetUp() = runBlocking {
        val vm = SolaceMessagesViewModel(scratch.store(), this)
        vm.load()
        assertTrue(vm.current.conversations.isEmpty())
        assertFalse(vm.current.unavailable)
        vm.sync().join()
        assertTrue(vm.current.unavailable)
        assertNull(vm.current.error)
        vm.open("nobody")
        assertEquals(UiError.NotFound("conversation"), vm.current.error)
    }
}
