package app.solace.viewmodels

import app.solace.ffi.KeyStoreException
import app.solace.ffi.Solace
import app.solace.ffi.SolaceException
import app.solace.ffi.SyncBudget
import app.solace.ffi.SyncNotice
import app.solace.ffi.syncNotice

/** What a background sync run did, as the scheduler (WorkManager, BGTaskScheduler) needs it. */
sealed class SyncOutcome {
    /**
     * Ran; [complete] false means the budget ran out: ask to run again soon. [messages] is how
     * many conversations got new messages.
     */
    data class Synced(
        val pushed: Int,
        val pulled: Int,
        val complete: Boolean,
        val messages: Int = 0,
    ) : SyncOutcome() {
        /** The notification the run calls for (the core's rule: messages first, then new data). */
        val notice: SyncNotice? get() = syncNotice(pulled.toUInt(), messages.toUInt())
    }

    /** Sync is not set up on this device: nothing to do, don't retry. */
    object NotSetUp : SyncOutcome()

    /** The store is locked and the device key needs the person (biometric lock): wait for the app. */
    object Locked : SyncOutcome()

    /** A transient failure (offline, store busy): retry with the scheduler's backoff. */
    data class Retry(val error: UiError) : SyncOutcome()

    /** A failure retrying won't fix (signed out, damaged store). */
    data class Failed(val error: UiError) : SyncOutcome()
}

/**
 * One budgeted background sync (`SyncBudget.BACKGROUND`: bounded work, consistent store at any
 * interruption), shared by the Android worker and the iOS refresh task.
 */
object BackgroundSync {
    /** Syncs an already open store (the app is running and unlocked); cancelling the caller cancels it. */
    suspend fun run(solace: Solace): SyncOutcome = try {
        val report = solace.sync().syncNow(SyncBudget.BACKGROUND)
        SyncOutcome.Synced(
            report.pushed.toInt(),
            report.pulled.toInt(),
            report.complete,
            report.messagesArrived.toInt(),
        )
    } catch (e: SolaceException) {
        classify(e)
    }

    /**
     * Opens the store with [open] (the device key, without any prompt), syncs and closes it.
     * A key store that needs the person (biometric lock) makes this [SyncOutcome.Locked].
     */
    suspend fun openAndRun(open: () -> Solace): SyncOutcome {
        val solace = try {
            open()
        } catch (e: SolaceException) {
            return when (e) {
                is SolaceException.KeyStore, is SolaceException.DeviceNotRemembered,
                is SolaceException.DeviceKeyMismatch -> SyncOutcome.Locked
                is SolaceException.NotInitialized -> SyncOutcome.NotSetUp
                else -> classify(e)
            }
        } catch (e: KeyStoreException) {
            return SyncOutcome.Locked
        }
        return try {
            run(solace)
        } finally {
            solace.closeStore()
            solace.close()
        }
    }

    /** Which (discreet) notification a run calls for: new messages first, then new data; null for none. */
    fun notificationEvent(outcome: SyncOutcome): NotificationEvent? = when ((outcome as? SyncOutcome.Synced)?.notice) {
        SyncNotice.NEW_MESSAGE -> NotificationEvent.NEW_MESSAGE
        SyncNotice.SYNCED_CHANGES -> NotificationEvent.SYNCED_CHANGES
        null -> null
    }

    /** Whether to post the (discreet) "new update" notification: new data or new messages. */
    fun shouldNotify(outcome: SyncOutcome): Boolean = notificationEvent(outcome) != null

    private fun classify(e: SolaceException): SyncOutcome = when (e) {
        is SolaceException.NotRegistered -> SyncOutcome.NotSetUp
        is SolaceException.Network, is SolaceException.StoreBusy, is SolaceException.ServerRejected ->
            SyncOutcome.Retry(e.toUiError())
        is SolaceException.Closed -> SyncOutcome.Locked
        else -> SyncOutcome.Failed(e.toUiError())
    }
}
