package app.solace.android.platform

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.solace.android.SolaceApp
import app.solace.ffi.Solace
import app.solace.viewmodels.BackgroundSync
import app.solace.viewmodels.NotificationEvent
import app.solace.viewmodels.SyncOutcome
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Periodic background sync: one `SyncBudget.BACKGROUND` run of the core's budgeted sync
 * (bounded work; the store is consistent at any interruption). All decisions are in
 * [BackgroundSync] (plain Kotlin, tested on the JVM); this class only maps them to WorkManager.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = withContext(Dispatchers.IO) {
        val app = applicationContext as SolaceApp
        // The app's own open store when unlocked (one writer per store); otherwise open with
        // the device key, which fails without a prompt when the app lock needs the person.
        val outcome = app.lock.solace?.let { BackgroundSync.run(it) }
            ?: BackgroundSync.openAndRun { Solace.openWithDeviceKey(app.storeDir, app.keyStore()) }
        BackgroundSync.notificationEvent(outcome)?.let { event ->
            DiscreetNotifier.post(applicationContext, event, app.settingsStorage.load())
        }
        // Synced settings, habits or check-ins from another device change the reminders.
        if (outcome is SyncOutcome.Synced) ReminderScheduler.requestReplan(applicationContext)
        when (outcome) {
            is SyncOutcome.Synced -> if (outcome.complete) Result.success() else Result.retry()
            is SyncOutcome.Retry -> Result.retry()
            SyncOutcome.Locked, SyncOutcome.NotSetUp, is SyncOutcome.Failed -> Result.success()
        }
    }

    companion object {
        private const val NAME = "solace-sync"

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
