package app.solace.viewmodels

import app.solace.ffi.AvailabilitySlot
import app.solace.ffi.CallState
import app.solace.ffi.DirectoryQuery
import app.solace.ffi.IdentityStatus
import app.solace.ffi.LinkInfo
import app.solace.ffi.Message
import app.solace.ffi.MessageContent
import app.solace.ffi.MessageStatus
import app.solace.ffi.MessagesInterface
import app.solace.ffi.Solace
import app.solace.ffi.SyncBudget
import app.solace.ffi.TherapistProfile
import app.solace.ffi.loginNewDevice
import java.io.File
import java.time.ZoneOffset
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
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
                MessageContent.Call("r1", "2025-12-02T18:00:00+01:00", 15u, null, CallState.Accepted("room-1")),
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

    @Test
    fun theConversationShowsItsIdentityAndVerifyingChangesIt() = runBlocking {
        TestServer(scratch).use { server ->
            val (_, client, _) = linked(server)
            val vm = SolaceMessagesViewModel(client, this)
            vm.load()
            assertNull(vm.current.identity) // nothing open
            val peer = vm.current.conversations.single().id
            vm.open(peer)

            // The number both people compare (pinned when the link was made), laid out by the core.
            val shown = vm.current.identity
            assertNotNull(shown)
            val number = client.messages().identityStatus(peer).safetyNumber
            assertNotNull(number)
            assertEquals(number, shown!!.safetyNumber)
            assertEquals(12, number!!.split(" ").size)
            assertEquals(3, shown.safetyNumberRows.size)
            assertEquals(number, shown.safetyNumberRows.joinToString(" "))
            assertTrue(shown.qrPayload!!.startsWith("solace-verify:1:"))
            assertEquals(number.split(" ").size, shown.safetyNumberSpoken!!.split(", ").size)
            assertFalse(shown.verified)
            assertEquals("Not verified — compare the safety number", shown.statusLabel)
            assertTrue(shown.canMarkVerified)
            assertFalse(shown.canUnverify)
            assertFalse(vm.current.sendingPaused)

            // Mark verified: stored by the core, still there after leaving and coming back.
            vm.markVerified()
            assertTrue(vm.current.identity!!.verified)
            assertEquals("Verified", vm.current.identity!!.statusLabel)
            assertTrue(vm.current.identity!!.canUnverify)
            assertFalse(vm.current.identity!!.canMarkVerified)
            vm.close()
            assertNull(vm.current.identity)
            vm.open(peer)
            assertTrue(vm.current.identity!!.verified)
            assertTrue(client.messages().identityStatus(peer).verified)

            // Unverify.
            vm.unverify()
            assertFalse(vm.current.identity!!.verified)
            assertTrue(vm.current.identity!!.canMarkVerified)
            assertFalse(client.messages().identityStatus(peer).verified)
            assertEquals(number, vm.current.identity!!.safetyNumber)
            assertNull(vm.current.error)
        }
    }

    /**
     * The client's real messages, except that the other person's identity shows as changed
     * until it is accepted. A real server never hands out another identity for an account
     * (the core's end-to-end tests edit the server's database for that); everything else goes
     * to the real core.
     */
    private class IdentityChanged(private val real: MessagesInterface) : MessagesInterface by real {
        var pending = true
        var accepted = 0

        override fun identityStatus(peerAccount: String): IdentityStatus {
            val status = real.identityStatus(peerAccount)
            return if (pending) status.copy(changed = true, verified = false) else status
        }

        override fun acceptIdentityChange(peerAccount: String): IdentityStatus {
            pending = false
            accepted += 1
            return real.identityStatus(peerAccount)
        }
    }

    @Test
    fun aChangedIdentityPausesSendingUntilAccepted() = runBlocking {
        TestServer(scratch).use { server ->
            val (_, client, _) = linked(server)
            val changed = IdentityChanged(client.messages())
            val vm = SolaceMessagesViewModel(client, this, messages = changed)
            vm.load()
            vm.open(vm.current.conversations.single().id)

            val paused = vm.current.identity!!
            assertTrue(vm.current.sendingPaused)
            assertTrue(paused.sendingPaused)
            assertEquals("Identity changed — sending paused until you accept", paused.statusLabel)
            assertTrue(paused.canAcceptChange)
            assertFalse(paused.verified)
            assertFalse(paused.canMarkVerified)
            assertFalse(paused.canUnverify)
            assertNotNull(paused.safetyNumber)

            // Accepting goes through the view model's messages, and the banner goes.
            vm.acceptIdentityChange()
            assertEquals(1, changed.accepted)
            val accepted = vm.current.identity!!
            assertFalse(vm.current.sendingPaused)
            assertFalse(accepted.canAcceptChange)
            assertFalse(accepted.verified)
            assertTrue(accepted.canMarkVerified)
            assertEquals("Not verified — compare the safety number", accepted.statusLabel)
            vm.close()
            vm.open(vm.current.conversations.single().id)
            assertFalse(vm.current.sendingPaused)
            assertNull(vm.current.error)
        }
    }

    @Test
    fun aNewDeviceOfTheOtherPersonShowsAsASystemLineNotUnread() = runBlocking {
        TestServer(scratch).use { server ->
            val (_, client, _) = linked(server)
            val vm = SolaceMessagesViewModel(client, this)
            vm.load()
            val peer = vm.current.conversations.single().id

            // The therapist signs in on a tablet, which signs itself into the account's device list.
            val tablet = scratch.track(
                loginNewDevice(File(scratch.dir(), "store").path, server.url, "dr-kim", PASSPHRASE, "tablet"),
            )
            tablet.sync().syncNow(SyncBudget.UNLIMITED)

            // The client's next sync notes it in the conversation: read already, no badge.
            vm.sync().join()
            assertNull(vm.current.error)
            assertEquals(0, vm.current.conversations.single().unread)
            assertEquals(0, vm.current.totalUnread)
            vm.open(peer)
            val line = vm.current.messages.single()
            assertEquals("Dr. Kim added a device", line.text)
            assertTrue(line.systemLine)
            assertFalse(line.outgoing)
            assertNull(line.status)
            assertNull(line.statusLabel)
            assertFalse(line.canRetry)
            assertEquals(0, vm.current.conversations.single().unread)

            // A chat message stays a bubble.
            val text = SolaceMessagesViewModel.bubble(
                Message("m1", peer, false, 0, MessageStatus.UNREAD, MessageContent.Text("hi")),
                ZoneOffset.UTC,
            )
            assertFalse(text.systemLine)
        }
    }
}
