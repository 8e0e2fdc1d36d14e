// Host (JVM) tests of the generated Kotlin bindings against the real native library.
// Run with `cargo xtask test-kotlin`.
package app.solace.ffi.test

import app.solace.ffi.*
import java.io.File
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** The platform key store, implemented in Kotlin (an Android app would use the Keystore). */
class MemoryKeyStore : KeyStore {
    val keys = ConcurrentHashMap<String, ByteArray>()
    var loads = 0

    override fun load(vaultId: String): ByteArray? {
        loads += 1
        return keys[vaultId]
    }

    override fun save(vaultId: String, key: ByteArray) {
        keys[vaultId] = key.copyOf()
    }

    override fun delete(vaultId: String) {
        keys.remove(vaultId)
    }
}

/** A key store that refuses access, to see a foreign error come back typed. */
class DeniedKeyStore : KeyStore {
    override fun load(vaultId: String): ByteArray? = throw KeyStoreException.AccessDenied()
    override fun save(vaultId: String, key: ByteArray) = throw KeyStoreException.AccessDenied()
    override fun delete(vaultId: String) = throw KeyStoreException.AccessDenied()
}

class RecordingListener : SolaceListener {
    val states = CopyOnWriteArrayList<SyncState>()
    override fun onSyncStateChanged(state: SyncState) {
        states.add(state)
    }
    val arrived = CopyOnWriteArrayList<String>()
    override fun onMessageArrived(conversationId: String) {
        arrived.add(conversationId)
    }
}

class SolaceTest {
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

    @Test
    fun unlockWithAForeignKeyStore(): Unit = runBlocking {
        val (solace, dir) = newStore()
        val keys = MemoryKeyStore()
        assertFalse(solace.deviceRemembered())
        solace.rememberDevice(keys)
        val vault = solace.vaultId()
        assertEquals(32, keys.keys[vault]?.size)
        solace.journal().add(JournalDraft(null, JournalBody.Free("before lock"), listOf()))
        solace.closeStore()

        val reopened = Solace.openWithDeviceKey(dir.path, keys)
        open.add(reopened)
        assertTrue(keys.loads > 0)
        assertEquals("before lock", (reopened.journal().list(JournalFilter()).single().current.body as JournalBody.Free).text)

        // Forgetting the device deletes the key: only the passphrase opens the store now.
        reopened.forgetDevice(keys)
        reopened.closeStore()
        assertNull(keys.keys[vault])
        try {
            Solace.openWithDeviceKey(dir.path, keys)
            fail("expected DeviceNotRemembered")
        } catch (e: SolaceException.DeviceNotRemembered) {
        }
        // A key store error from Kotlin comes back as a typed error.
        try {
            Solace.openWithDeviceKey(dir.path, DeniedKeyStore())
            fail("expected KeyStore error")
        } catch (e: SolaceException.KeyStore) {
        }
    }

    @Test
    fun wrongPassphraseIsATypedError(): Unit = runBlocking {
        val (solace, dir) = newStore("the right one, surely")
        solace.closeStore()
        try {
            openWithPassphrase(dir.path, "not the right one")
            fail("expected WrongPassphrase")
        } catch (e: SolaceException.WrongPassphrase) {
        }
        val again = openWithPassphrase(dir.path, "the right one, surely")
        open.add(again)
        // A second open of the same store while the first holds the writer lock.
        try {
            openWithPassphrase(dir.path, "the right one, surely")
            fail("expected StoreBusy")
        } catch (e: SolaceException.StoreBusy) {
        }
        try {
            again.mood().log(MoodDraft(mood = 11u), null)
            fail("expected InvalidInput")
        } catch (e: SolaceException.InvalidInput) {
            assertTrue(e.detail.contains("mood"))
        }
    }

    @Test
    fun journalCrudWithAThoughtRecord(): Unit = runBlocking {
        val (solace, _) = newStore()
        val journal = solace.journal()
        val free = journal.add(JournalDraft("Walk", JournalBody.Free("Walked by the river"), listOf("Walk", "#outside")))
        assertEquals(listOf("walk", "outside"), free.current.tags)

        val record = ThoughtRecordContent(
            situation = "Missed the bus",
            automaticThought = "I always mess up",
            emotions = listOf(EmotionRating("frustrated", 70u)),
            distortions = listOf(Distortion.OVERGENERALIZATION, Distortion.LABELING),
            evidenceFor = "Late twice this week",
            evidenceAgainst = "On time the other days",
            balancedThought = "Buses are unreliable; it's not a verdict on me",
            reratedEmotions = listOf(EmotionRating("frustrated", 30u)),
        )
        val tr = journal.add(JournalDraft(null, JournalBody.ThoughtRecord(record), listOf("cbt")))
        val fetched = journal.get(tr.id)
        assertEquals(record, (fetched.current.body as JournalBody.ThoughtRecord).record)

        val edited = journal.edit(free.id, JournalDraft("Walk", JournalBody.Free("Walked by the river at dusk"), listOf("walk")))
        assertEquals(1, edited.revisions.size)
        assertEquals("Walked by the river", (edited.revisions[0].draft.body as JournalBody.Free).text)

        assertEquals(2, journal.list(JournalFilter()).size)
        assertEquals(listOf(tr.id), journal.list(JournalFilter(tag = "cbt")).map { it.id })
        assertEquals(listOf(tr.id), journal.search("verdict").map { it.id })
        assertTrue(journal.tags().any { it.tag == "walk" && it.count == 1u })

        journal.delete(free.id)
        try {
            journal.get(free.id)
            fail("expected NotFound")
        } catch (e: SolaceException.NotFound) {
        }
        assertEquals(1, journal.list(JournalFilter()).size)
    }

    @Test
    fun moodStats(): Unit = runBlocking {
        val (solace, _) = newStore()
        val mood = solace.mood()
        mood.log(MoodDraft(mood = 4u, emotions = listOf("Tired"), sleepHours = 6.0f), "2026-03-02T08:00:00+01:00")
        mood.log(MoodDraft(mood = 6u, note = "better"), "2026-03-03T08:00:00+01:00")
        mood.log(MoodDraft(mood = 8u, energy = 7u), "2026-03-04T21:30:00+01:00")
        assertEquals(listOf("tired"), mood.list(null, null).first().draft.emotions)
        assertEquals(2, mood.list("2026-03-03", null).size)

        val summary = mood.summary(7u, "2026-03-04")
        assertEquals(3u, summary.count)
        assertEquals(6.0, summary.average!!, 1e-9)
        assertEquals(4.toUByte(), summary.min)
        assertEquals(8.toUByte(), summary.max)
        assertEquals(3u, summary.daysLogged)
        assertEquals(7, summary.weekdays.size)
        assertEquals(TrendDirection.IMPROVING, summary.trend?.direction)

        // Apple Health's State of Mind for the first check-in: valence from the mood, only
        // emotions and life areas Apple knows.
        val state = healthStateOfMind(mood.list(null, null).first(), listOf("work", "my boss"))
        assertEquals(MindKind.MOMENTARY_EMOTION, state.kind)
        assertEquals(-0.33, state.valence, 1e-9)
        assertEquals(listOf("drained"), state.labels)
        assertEquals(listOf("work"), state.associations)

        // The widget's snapshot: the 21:30 check-in is today's.
        val today = solace.today("2026-03-04T22:00:00+01:00")
        assertTrue(today.checkedInToday)
        assertEquals(8.toUByte(), today.lastMood?.mood)
        assertNull(today.plan)
    }

    @Test
    fun habitCheckAndStrength(): Unit = runBlocking {
        val (solace, _) = newStore()
        val habits = solace.habits()
        val today = java.time.LocalDate.now()
        val habit = habits.add(
            HabitDraft("Evening walk", Schedule.Daily, IfThenPlan("I finish dinner", "walk 10 minutes"), listOf(Reminder("19:30", listOf()))),
            today.minusDays(2).toString(),
        )
        assertEquals("19:30", habit.draft.reminders.single().time)
        for (d in 2L downTo 0L) habits.check(habit.id, today.minusDays(d).toString())
        val stats = habits.stats(habit.id, null)
        assertEquals(3u, stats.streaks.current)
        assertEquals(StreakUnit.DAYS, stats.streaks.unit)
        assertEquals(DayMark.DONE, stats.today)
        assertTrue("strength ${stats.strength}", stats.strength > 0.0 && stats.strength <= 1.0)

        habits.record(habit.id, HabitAction.UNDO, null)
        assertNull(habits.stats(habit.id, null).today)
        try {
            habits.check(habit.id, today.plusDays(1).toString())
            fail("expected InvalidInput for a future day")
        } catch (e: SolaceException.InvalidInput) {
        }
        assertEquals(1, habits.allStats(null).size)
    }

    @Test
    fun microSessionRunsToCompletion(): Unit = runBlocking {
        val (solace, _) = newStore()
        val sessions = solace.sessions()
        var s = sessions.start()
        assertEquals(SessionStage.CheckIn, s.stage)
        s = sessions.advance(s.id, SessionInput.CheckIn(4u, "I always mess up"))
        assertEquals(SessionStage.ChooseTechnique, s.stage)
        val suggestion = sessions.suggest(4u, "I always mess up")
        assertEquals(6, suggestion.ranked.size)
        s = sessions.advance(s.id, SessionInput.Choose(TechniqueId.CBT_REFRAME, null))

        // An input for the wrong stage is refused and changes nothing.
        try {
            sessions.advance(s.id, SessionInput.Rating(3u))
            fail("expected InvalidInput")
        } catch (e: SolaceException.InvalidInput) {
        }

        var steps = 0
        while (s.stage is SessionStage.Technique) {
            val step = s.currentStep ?: error("no current step at ${s.stage}")
            assertTrue(step.prompt.isNotBlank())
            val answer = when (val kind = step.kind) {
                is StepKind.Text -> SessionAnswer.Text("answer to ${step.key}")
                is StepKind.Scale -> SessionAnswer.Number(((kind.min.toInt() + kind.max.toInt()) / 2).toUByte())
                is StepKind.Breathing -> SessionAnswer.Completed(60u)
                is StepKind.Countdown -> SessionAnswer.Completed(kind.from.toUInt())
            }
            s = sessions.advance(s.id, SessionInput.Answer(answer))
            steps += 1
        }
        assertTrue(steps >= 5)
        // Resumable: what is stored is what we have.
        assertEquals(s.id, sessions.inProgress()?.id)
        s = sessions.advance(s.id, SessionInput.Reflection("lighter"))
        s = sessions.advance(s.id, SessionInput.Rating(4u))
        s = sessions.advance(s.id, SessionInput.FollowUp(FollowUpChoice.NOTHING))
        assertEquals(SessionStage.Done, s.stage)
        assertNotNull(s.finishedAt)
        assertEquals(4.toUByte(), s.helpful)
        assertNull(sessions.inProgress())
        // CBT reframing wrote its thought record to the journal.
        val entry = solace.journal().get(s.journalEntry ?: error("no journal entry"))
        assertTrue(entry.current.body is JournalBody.ThoughtRecord)
        assertEquals(6, techniques().size)
    }

    @Test
    fun phq9Item9OpensTheSafetyFlow(): Unit = runBlocking {
        val (solace, _) = newStore()
        val assessments = solace.assessments()
        assertEquals(9, instrumentInfo(Instrument.PHQ9).items.size)
        assessments.saveSafetyPlan(SafetyPlan(warningSigns = listOf("Not sleeping"), helpContacts = listOf("Sam 555-0101")))

        val calm = assessments.submit(Instrument.PHQ9, byteArrayOf(1, 1, 0, 1, 0, 0, 1, 0, 0))
        assertNull(calm.safety)
        assertFalse(calm.result.safetyFlag)
        assertEquals(Severity.MINIMAL, calm.result.severity)

        val flagged = assessments.submit(Instrument.PHQ9, byteArrayOf(2, 2, 1, 2, 1, 1, 1, 1, 1))
        assertTrue(flagged.result.safetyFlag)
        assertEquals(12.toUByte(), flagged.result.total)
        assertEquals(Severity.MODERATE, flagged.result.severity)
        val safety = flagged.safety ?: error("the safety flow did not open")
        assertEquals(listOf("Not sleeping"), safety.plan.warningSigns)
        assertTrue(safety.resources.isNotEmpty())
        assertTrue(safety.disclaimer.isNotBlank())
        assertEquals(8.toShort(), flagged.change?.delta)
        assertEquals(2, assessments.history(Instrument.PHQ9).size)

        try {
            assessments.submit(Instrument.GAD7, byteArrayOf(1, 2))
            fail("expected InvalidInput")
        } catch (e: SolaceException.InvalidInput) {
        }
    }

    @Test
    fun subscriptionStopsOnCancel(): Unit = runBlocking {
        val (solace, _) = newStore()
        val listener = RecordingListener()
        val sub = solace.subscribe(listener)
        try {
            solace.sync().syncNow(SyncBudget.UNLIMITED)
            fail("expected NotRegistered")
        } catch (e: SolaceException.NotRegistered) {
        }
        assertEquals(2, listener.states.size)
        assertTrue(listener.states[0] is SyncState.Syncing)
        assertTrue(listener.states[1] is SyncState.Failed)
        sub.cancel()
        try {
            solace.sync().syncNow(SyncBudget.UNLIMITED)
        } catch (e: SolaceException.NotRegistered) {
        }
        assertEquals(2, listener.states.size)
        sub.close()
    }

    /** `solace server` on a free loopback port with a fresh SQLite database. */
    private fun startServer(): Pair<Process, String> = startSolaceServer(tempDir())

    @Test
    fun syncRoundTripAgainstARealServer(): Unit = runBlocking {
        val (server, url) = startServer()
        try {
            val pass = "long shared velvet harbor pilgrim"
            val (phone, _) = newStore(pass)
            val listener = RecordingListener()
            val sub = phone.subscribe(listener)
            phone.sync().register(url, "alice", pass, "phone")
            assertEquals("alice", phone.sync().account()?.username)
            val entry = phone.journal().add(JournalDraft(null, JournalBody.Free("synced thought"), listOf("sync")))
            val report = phone.sync().syncNow(SyncBudget.UNLIMITED)
            assertTrue(report.complete)
            assertTrue(report.pushed >= 1u)
            assertEquals(0uL, phone.pendingChanges())
            assertTrue(listener.states.first() is SyncState.Syncing)
            assertTrue(listener.states.last() is SyncState.Finished)

            val tabletDir = tempDir()
            try {
                loginNewDevice(File(tabletDir, "wrong").path, url, "alice", "wrong passphrase", "tablet")
                fail("expected a typed error for a wrong passphrase")
            } catch (e: SolaceException) {
                assertTrue("got $e", e is SolaceException.WrongPassphrase || e is SolaceException.Unauthorized)
            }
            val tablet = loginNewDevice(File(tabletDir, "store").path, url, "alice", pass, "tablet")
            open.add(tablet)
            assertEquals("synced thought", (tablet.journal().get(entry.id).current.body as JournalBody.Free).text)

            tablet.mood().log(MoodDraft(mood = 7u), null)
            tablet.sync().syncNow(SyncBudget.BACKGROUND)
            phone.sync().syncNow(SyncBudget.UNLIMITED)
            assertEquals(1, phone.mood().list(null, null).size)
            sub.cancel()

            // Deleting the account needs the passphrase; the phone keeps its data, local-only.
            try {
                phone.sync().deleteAccount("not the passphrase at all")
                fail("expected WrongPassphrase")
            } catch (e: SolaceException.WrongPassphrase) {
            }
            assertEquals("alice", phone.sync().account()?.username)
            phone.sync().deleteAccount(pass)
            assertNull(phone.sync().account())
            assertEquals(1, phone.mood().list(null, null).size)
            try {
                tablet.sync().syncNow(SyncBudget.UNLIMITED)
                fail("expected Unauthorized: the account is gone")
            } catch (e: SolaceException.Unauthorized) {
            }
        } finally {
            server.destroy()
            server.waitFor()
        }
    }

    /** Sends `kill -<sig>` to a process (STOP: the kernel still accepts connections, nobody answers). */
    private fun signal(sig: String, pid: Long) {
        assertEquals(0, ProcessBuilder("kill", "-$sig", pid.toString()).start().waitFor())
    }

    private fun millisSince(start: Long) = (System.nanoTime() - start) / 1_000_000.0

    /**
     * The issue-12 guarantee: a sync waiting on a server that accepts connections and never
     * answers does not block the UI thread (this test thread) — each read returns in well under
     * 50 ms — and cancelling the sync's coroutine completes within 1 s, leaving the store usable.
     */
    @Test
    fun aStalledSyncNeverBlocksUiReadsAndCancels(): Unit = runBlocking {
        val (server, url) = startServer()
        val pid = server.pid()
        val background = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val pass = "long shared velvet harbor pilgrim"
            val (phone, _) = newStore(pass)
            phone.sync().register(url, "stalled", pass, "phone")
            repeat(20) { phone.journal().add(JournalDraft(null, JournalBody.Free("entry $it"), listOf("ui"))) }
            val listener = RecordingListener()
            val sub = phone.subscribe(listener)

            signal("STOP", pid)
            val sync = background.async { phone.sync().syncNow(SyncBudget.UNLIMITED) }
            val deadline = System.currentTimeMillis() + 5_000
            while (listener.states.isEmpty()) {
                assertTrue("the sync never started", System.currentTimeMillis() < deadline)
                Thread.sleep(5)
            }
            assertTrue(listener.states.first() is SyncState.Syncing)
            Thread.sleep(300) // the sync is now waiting on the stalled server

            val times = (0 until 100).map {
                val start = System.nanoTime()
                assertEquals(20, phone.journal().list(JournalFilter()).size)
                millisSince(start)
            }.sorted()
            assertTrue("the sync finished against a stopped server", sync.isActive)
            // A read that waited for the sync would not return before the cancel below (the
            // server never answers): any bounded time proves it did not. The bounds are far
            // above a loaded CI machine's scheduling noise; the figure is the bench's job.
            assertTrue("median UI read ${times[times.size / 2]} ms", times[times.size / 2] < 50.0)
            assertTrue("slowest UI read ${times.last()} ms", times.last() < 1_000.0)

            // A local write goes through too (the sync does not hold the writer while it waits).
            phone.journal().add(JournalDraft(null, JournalBody.Free("written during the sync"), listOf()))

            val cancelAt = System.nanoTime()
            sync.cancel()
            withTimeout(1_000) { sync.join() }
            assertTrue("cancellation took ${millisSince(cancelAt)} ms", millisSince(cancelAt) < 1_000)
            assertTrue(sync.isCancelled)
            assertEquals(21, phone.journal().list(JournalFilter()).size)

            // Any async call is cancellable: a timeout around a call to the stalled server ends it.
            val timedAt = System.nanoTime()
            assertNull(withTimeoutOrNull(200) { phone.sync().devices() })
            assertTrue("timeout took ${millisSince(timedAt)} ms", millisSince(timedAt) < 1_000)
            assertEquals(21, phone.journal().list(JournalFilter()).size)
            sub.cancel()

            // Once the server answers again, the next sync completes and reports through listeners.
            signal("CONT", pid)
            val report = phone.sync().syncNow(SyncBudget.UNLIMITED)
            assertTrue(report.complete)
            assertEquals(0uL, phone.pendingChanges())
        } finally {
            background.cancel()
            signal("CONT", pid)
            server.destroy()
            server.waitFor()
        }
    }

    /** Listeners hear `Syncing` then `Finished` for a sync that works, `Failed` for one that does not. */
    @Test
    fun listenersHearSyncingThenFinishedOrFailed(): Unit = runBlocking {
        val (server, url) = startServer()
        try {
            val pass = "long shared velvet harbor pilgrim"
            val (phone, _) = newStore(pass)
            val listener = RecordingListener()
            val sub = phone.subscribe(listener)
            phone.sync().register(url, "listener", pass, "phone")
            phone.journal().add(JournalDraft(null, JournalBody.Free("heard"), listOf()))
            val report = phone.sync().syncNow(SyncBudget.UNLIMITED)
            assertEquals(2, listener.states.size)
            assertTrue(listener.states[0] is SyncState.Syncing)
            val finished = listener.states[1] as SyncState.Finished
            assertEquals(report, finished.report)
            assertTrue(finished.report.pushed >= 1u)

            server.destroy()
            server.waitFor()
            try {
                phone.sync().syncNow(SyncBudget.UNLIMITED)
                fail("expected a network error with the server gone")
            } catch (e: SolaceException.Network) {
            }
            assertEquals(4, listener.states.size)
            assertTrue(listener.states[2] is SyncState.Syncing)
            assertTrue(listener.states[3] is SyncState.Failed)
            sub.cancel()
        } finally {
            server.destroy()
            server.waitFor()
        }
    }

    /** The presentation derivations come from the core, identical for both apps. */
    @Test
    fun presentationComesFromTheCore() {
        assertEquals("Waiting to send", deliveryStatusLabel(MessageStatus.QUEUED, true))
        assertNull(deliveryStatusLabel(MessageStatus.READ, false))
        assertTrue(messageRetryable(MessageStatus.WEDGED, true))
        assertFalse(messageRetryable(MessageStatus.SENT, true))
        assertEquals("days", streakUnitLabel(StreakUnit.DAYS, 2u))
        assertEquals("Mon, Fri", scheduleLabel(Schedule.Weekdays(listOf(Weekday.FRI, Weekday.MON))))
        assertEquals(SessionStreak(2u, true), sessionStreak(listOf("2026-03-09T21:00:00+01:00", "2026-03-10T08:00:00+01:00"), "2026-03-10"))
        assertEquals("6.2 average from 3 check-ins, improving", moodHeadline(3u, 6.2, TrendDirection.IMPROVING, 7u))
        assertEquals(6u, chartX("2026-03-10", "2026-03-10", 7u))
        try {
            chartX("yesterday", "2026-03-10", 7u)
            fail("expected InvalidInput")
        } catch (e: SolaceException.InvalidInput) {
        }
    }
}
