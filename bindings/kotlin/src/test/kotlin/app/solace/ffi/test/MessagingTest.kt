// Host (JVM) tests of the generated Kotlin bindings for messaging, against the real native
// library and a real `solace server`. Run with `cargo xtask test-kotlin`.
package app.solace.ffi.test

import app.solace.ffi.*
import java.io.File
import java.nio.file.Files
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import kotlinx.coroutines.runBlocking

class MessagingTest {
    private val dirs = mutableListOf<File>()
    private val open = mutableListOf<Solace>()

    private fun tempDir(): File = Files.createTempDirectory("solace-kt").toFile().also { dirs.add(it) }

    private suspend fun newStore(passphrase: String = "cobalt lantern tundra oyster"): Pair<Solace, File> {
        val dir = tempDir()
        val created = createStore(dir.path, passphrase, KdfPreset.MINIMUM)
        assertTrue(created.recoveryKey.isNotBlank())
        open.add(created.solace)
        return created.solace to dir
    }

    @After
    fun cleanUp() {
        open.forEach { it.closeStore(); it.close() }
        dirs.forEach { it.deleteRecursively() }
    }

    /** `solace server` on a free loopback port with a fresh SQLite database. */
    private fun startServer(): Pair<Process, String> = startSolaceServer(tempDir())

    @Test
    fun messageRoundTripAgainstARealServer(): Unit = runBlocking {
        val (server, url) = startServer()
        try {
            val pass = "long shared velvet harbor pilgrim"
            val (therapist, _) = newStore(pass)
            val (client, _) = newStore(pass)
            therapist.sync().register(url, "dr-kim", pass, "office")
            client.sync().register(url, "casey", pass, "phone")
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
            val found = client.messages().searchDirectory(DirectoryQuery("Anxiety", null, null, null))
            assertEquals(listOf("Dr. Kim"), found.map { it.profile.displayName })
            val link = client.messages().requestLink(found[0].therapistId)
            assertEquals(LinkState.PENDING, link.state)
            assertEquals(LinkState.ACTIVE, therapist.messages().acceptLink(link.linkId).state)
            therapist.sync().syncNow(SyncBudget.UNLIMITED)
            client.sync().syncNow(SyncBudget.UNLIMITED)

            val conversation = client.messages().conversations().single()
            assertEquals("Dr. Kim", conversation.peerName)
            val sent = client.messages().sendText(conversation.peerAccount, "hello from Kotlin")
            assertEquals(MessageStatus.QUEUED, sent.status)
            client.sync().syncNow(SyncBudget.UNLIMITED)
            assertEquals(MessageStatus.SENT, client.messages().messages(conversation.peerAccount).single().status)

            val listener = RecordingListener()
            val sub = therapist.subscribe(listener)
            val background = therapist.sync().syncNow(SyncBudget.BACKGROUND)
            assertEquals(1u, background.messagesArrived)
            val clientId = link.clientId
            assertEquals(listOf(clientId), listener.arrived.toList())
            val received = therapist.messages().messages(clientId).single()
            assertEquals(MessageContent.Text("hello from Kotlin"), received.content)
            assertEquals(MessageStatus.UNREAD, received.status)
            assertEquals(1u, therapist.messages().markRead(clientId))
            therapist.messages().sendText(clientId, "hello back")
            therapist.sync().syncNow(SyncBudget.UNLIMITED)

            client.sync().syncNow(SyncBudget.UNLIMITED)
            val thread = client.messages().messages(conversation.peerAccount)
            assertEquals(MessageStatus.READ, thread[0].status)
            assertEquals(MessageContent.Text("hello back"), thread[1].content)
            assertEquals(1u, client.messages().conversations().single().unread)

            // Both sides see the same safety number; "verified" is stored and can be withdrawn.
            val mine = client.messages().identityStatus(conversation.peerAccount)
            val theirs = therapist.messages().identityStatus(clientId)
            val number = mine.safetyNumber
            assertNotNull(number)
            assertEquals(number, theirs.safetyNumber)
            assertEquals(12, number!!.split(" ").size)
            assertTrue(mine.qrPayload!!.startsWith("solace-verify:1:"))
            assertFalse(mine.verified)
            assertFalse(mine.changed)
            assertEquals(1, mine.devices.size)
            assertTrue(client.messages().markVerified(conversation.peerAccount, true).verified)
            assertTrue(client.messages().identityStatus(conversation.peerAccount).verified)
            assertFalse(client.messages().markVerified(conversation.peerAccount, false).verified)
            sub.cancel()
        } finally {
            server.destroy()
            server.waitFor()
        }
    }

    @Test
    fun aNoticeReachesTheAppAsMessageContentNotice(): Unit = runBlocking {
        val (server, url) = startServer()
        try {
            val pass = "long shared velvet harbor pilgrim"
            val (therapist, _) = newStore(pass)
            val (client, _) = newStore(pass)
            therapist.sync().register(url, "dr-kim", pass, "office")
            client.sync().register(url, "casey", pass, "phone")
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
            val peer = client.messages().conversations().single().peerAccount
            assertTrue(client.messages().messages(peer).isEmpty())

            // The therapist signs in on a tablet; its first sync signs it into the device list.
            val tablet = loginNewDevice(File(tempDir(), "store").path, url, "dr-kim", pass, "tablet")
            open.add(tablet)
            tablet.sync().syncNow(SyncBudget.UNLIMITED)

            // The client's next sync adds a local notice: already read, never sent.
            client.sync().syncNow(SyncBudget.UNLIMITED)
            val notice = client.messages().messages(peer).single()
            assertEquals(MessageContent.Notice("Dr. Kim added a device"), notice.content)
            assertFalse(notice.outgoing)
            assertEquals(MessageStatus.READ, notice.status)
            assertEquals(0u, client.messages().conversations().single().unread)
            assertTrue(messageIsSystemLine(notice.content))
            assertEquals("Dr. Kim added a device", messageText(notice.content))
            assertNull(deliveryStatusLabel(notice.status, notice.outgoing))
            assertEquals(2, client.messages().identityStatus(peer).devices.size)

            // The identity view crosses the FFI from the status the bindings return.
            val status = client.messages().identityStatus(peer)
            val view = identityView(status)
            assertNotNull(view.safetyNumber)
            assertEquals(status.safetyNumber, view.safetyNumberRows.joinToString(" "))
            assertEquals(status.qrPayload, view.qrPayload)
            assertEquals("Not verified — compare the safety number", view.statusLabel)
            val changed = identityView(status.copy(changed = true))
            assertTrue(changed.sendingPaused && changed.canAcceptChange && !changed.canMarkVerified)
            assertEquals("Identity changed — sending paused until you accept", changed.statusLabel)
        } finally {
            server.destroy()
            server.waitFor()
        }
    }
}
