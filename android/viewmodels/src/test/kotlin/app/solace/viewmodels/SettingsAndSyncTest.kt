package app.solace.viewmodels

import app.solace.ffi.JournalBody
import app.solace.ffi.JournalDraft
import app.solace.ffi.KdfPreset
import app.solace.ffi.Solace
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class SettingsAndSyncTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    @Test
    fun quickHideShowsTheNeutralScreenAndLocksAtOnce() = runBlocking {
        val dir = File(scratch.dir(), "store").path
        val lock = AppLockViewModel(dir, MemoryKeyStore(), this, KdfPreset.MINIMUM, Dispatchers.Unconfined)
        lock.start().join()
        lock.create(PASSPHRASE, PASSPHRASE).join()
        lock.acknowledgeRecoveryKey()
        val journal = JournalViewModel(lock.solace!!)
        journal.load()

        val settings = SettingsViewModel(InMemorySettingsStorage(), lock::lock)
        assertFalse(settings.current.hidden)
        settings.quickHide()
        assertTrue(settings.current.hidden)
        assertTrue(lock.current is LockState.Locked)
        // Screens still on display can no longer read anything.
        journal.load()
        assertEquals(UiError.Locked, journal.current.error)

        lock.unlock(PASSPHRASE).join()
        settings.reveal()
        assertFalse(settings.current.hidden)
        assertEquals(LockState.Unlocked, lock.current)
        lock.lock()
    }

    @Test
    fun settingsPersistAndNotificationsRevealNothing() {
        val storage = InMemorySettingsStorage()
        val settings = SettingsViewModel(storage) {}
        assertEquals(AppSettings(), settings.current.settings)
        assertEquals(NotificationText("Solace", "You have a new update"), settings.current.notificationPreview)

        settings.setIdentity(AppIdentity.NOTES)
        assertTrue(settings.current.identityChangePending)
        settings.identityApplied()
        assertFalse(settings.current.identityChangePending)
        assertEquals(NotificationText("Notes", "You have a new update"), settings.current.notificationPreview)

        settings.setDiscreetNotifications(false)
        val plain = Notifications.text(NotificationEvent.NEW_MESSAGE, settings.current.settings)
        assertEquals("New message", plain.body)
        for (event in NotificationEvent.values()) {
            val text = Notifications.text(event, AppSettings(discreetNotifications = true))
            assertEquals(Notifications.DISCREET_BODY, text.body)
        }

        settings.setLockAfter(300)
        assertEquals(AppSettings(identity = AppIdentity.NOTES, discreetNotifications = false, lockAfterSeconds = 300), storage.load())
        assertFalse(settings.shouldLockOnReturn(0, 299_000))
        assertTrue(settings.shouldLockOnReturn(0, 300_000))
        settings.setAppLock(false)
        assertFalse(settings.shouldLockOnReturn(0, 10_000_000))

        // A new view model reads what was saved.
        assertEquals(storage.load(), SettingsViewModel(storage) {}.current.settings)
    }

    @Test
    fun backgroundSyncClassifiesWhatHappened(): Unit = runBlocking {
        val solace = scratch.store()
        assertEquals(SyncOutcome.NotSetUp, BackgroundSync.run(solace))
        val dir = File(scratch.dir(), "store").path
        val remembered = app.solace.ffi.createStore(dir, PASSPHRASE, KdfPreset.MINIMUM).solace
        remembered.rememberDevice(MemoryKeyStore())
        remembered.closeStore()
        remembered.close()
        // The device key needs the person (biometric lock) and nobody is there: wait for the app.
        assertEquals(SyncOutcome.Locked, BackgroundSync.openAndRun { Solace.openWithDeviceKey(dir, DeniedKeyStore()) })
        // No store yet: nothing to sync.
        assertEquals(SyncOutcome.NotSetUp, BackgroundSync.openAndRun { Solace.openWithDeviceKey(File(scratch.dir(), "none").path, DeniedKeyStore()) })
        assertFalse(BackgroundSync.shouldNotify(SyncOutcome.NotSetUp))
        assertEquals(null, BackgroundSync.notificationEvent(SyncOutcome.NotSetUp))
        assertEquals(null, BackgroundSync.notificationEvent(SyncOutcome.Synced(3, 0, true, 0)))
        assertEquals(NotificationEvent.SYNCED_CHANGES, BackgroundSync.notificationEvent(SyncOutcome.Synced(0, 2, true, 0)))
        assertEquals(NotificationEvent.NEW_MESSAGE, BackgroundSync.notificationEvent(SyncOutcome.Synced(0, 2, true, 1)))
    }

    @Test
    fun backgroundSyncRoundTripAgainstARealServer(): Unit = runBlocking {
        TestServer(scratch).use { server ->
            val dir = File(scratch.dir(), "phone").path
            val keys = MemoryKeyStore()
            val phone = app.solace.ffi.createStore(dir, PASSPHRASE, KdfPreset.MINIMUM).solace
            phone.rememberDevice(keys)
            phone.sync().register(server.url, "ana", PASSPHRASE, "phone")
            phone.journal().add(JournalDraft(null, JournalBody.Free("from the phone"), listOf()))
            phone.closeStore()
            phone.close()

            // The worker opens the store with the device key (no prompt), syncs, closes it.
            val pushed = BackgroundSync.openAndRun { Solace.openWithDeviceKey(dir, keys) }
            pushed as SyncOutcome.Synced
            assertTrue(pushed.complete)
            assertTrue(pushed.pushed >= 1)

            val tablet = scratch.track(
                app.solace.ffi.loginNewDevice(File(scratch.dir(), "tablet").path, server.url, "ana", PASSPHRASE, "tablet"),
            )
            tablet.journal().add(JournalDraft(null, JournalBody.Free("from the tablet"), listOf()))
            assertTrue(BackgroundSync.run(tablet) is SyncOutcome.Synced)

            val pulled = BackgroundSync.openAndRun { Solace.openWithDeviceKey(dir, keys) }
            pulled as SyncOutcome.Synced
            assertTrue(pulled.pulled >= 1)
            assertTrue("new data arrived: post the discreet notification", BackgroundSync.shouldNotify(pulled))
        }
    }

    /**
     * A sync against a server that accepts connections and never answers (`kill -STOP`) runs in
     * the injected scope: starting it returns at once, screens keep loading on this ("UI")
     * thread in well under 50 ms, and cancelling it ends it within 1 s.
     */
    @Test
    fun aStalledSyncLeavesTheScreensResponsive(): Unit = runBlocking {
        TestServer(scratch).use { server ->
            val phone = scratch.store()
            phone.sync().register(server.url, "stall", PASSPHRASE, "phone")
            phone.journal().add(JournalDraft(null, JournalBody.Free("still readable"), listOf()))
            val journal = JournalViewModel(phone)
            val background = CoroutineScope(SupervisorJob() + Dispatchers.Default)
            val messages = SolaceMessagesViewModel(phone, background)
            assertEquals(0, ProcessBuilder("kill", "-STOP", server.pid.toString()).start().waitFor())

            var start = System.nanoTime()
            val job = messages.sync()
            // Bounds far above a loaded CI machine's scheduling noise: a call that waited for
            // the stalled sync would not return at all before it is cancelled below.
            assertTrue("starting a sync blocked the caller", (System.nanoTime() - start) / 1e6 < 1_000)
            Thread.sleep(200)
            assertTrue(messages.current.syncing)
            val loads = (0 until 50).map {
                start = System.nanoTime()
                journal.load()
                (System.nanoTime() - start) / 1e6
            }.sorted()
            assertTrue("median screen load ${loads[loads.size / 2]} ms during a stalled sync", loads[loads.size / 2] < 50)
            assertTrue("a screen load took ${loads.last()} ms during a stalled sync", loads.last() < 1_000)
            assertEquals(null, journal.current.error)
            assertTrue(job.isActive)

            start = System.nanoTime()
            job.cancel()
            withTimeout(1_000) { job.join() }
            assertTrue((System.nanoTime() - start) / 1e6 < 1_000)
            assertFalse(messages.current.syncing)
            journal.load()
            assertEquals(null, journal.current.error)
            background.cancel()
        }
    }
}
