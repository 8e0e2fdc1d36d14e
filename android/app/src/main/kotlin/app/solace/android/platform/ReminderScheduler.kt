package app.solace.android.platform

import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.work.CoroutineWorker
import androidx.work.Data
import androidx.work.ExistingWorkPolicy
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.solace.android.SolaceApp
import app.solace.ffi.PlannedReminder
import app.solace.ffi.Solace
import app.solace.ffi.TimeZoneRules
import java.time.Instant
import java.time.OffsetDateTime
import java.time.ZoneId
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/** The device's zone rules for the core's planner (daylight-saving changes included). */
object DeviceZone : TimeZoneRules {
    override fun offsetSecondsAt(unixSeconds: Long): Int =
        ZoneId.systemDefault().rules.getOffset(Instant.ofEpochSecond(unixSeconds)).totalSeconds
}

/**
 * Schedules what the core's reminder planner returns (`Solace.planReminders`): all decisions —
 * times, weekdays, quiet hours, adaptive timing, skipped days, daylight-saving changes, texts
 * (discreet by default) — are in the core; this only maps them to the platform.
 *
 * Exact alarms (`setExactAndAllowWhileIdle`) when the person allowed them
 * (`canScheduleExactAlarms`), otherwise a WorkManager one-time request with the delay (may
 * fire a few minutes late in Doze). Each reminder is keyed by its stable id, so a re-plan
 * replaces or cancels exactly what was scheduled. Re-planned after boot, a clock or time-zone
 * change, an app update ([ReminderRescheduleReceiver]), each sync ([SyncWorker]), a check-in,
 * a settings change, and whenever a reminder fires.
 */
object ReminderScheduler {
    private const val PLAN_COUNT = 16u
    private const val PREFS = "solace.reminders" // only reminder ids: no names, no texts
    private const val SCHEDULED = "scheduled"
    internal const val EXTRA_ID = "reminder_id"
    internal const val EXTRA_TITLE = "title"
    internal const val EXTRA_BODY = "body"

    /** Plans and schedules from the open store; cancels what is no longer planned. */
    fun replan(context: Context, solace: Solace) {
        val plan = runCatching { solace.planReminders(PLAN_COUNT, null, DeviceZone) }.getOrNull() ?: return
        val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        val before = prefs.getStringSet(SCHEDULED, emptySet()).orEmpty()
        val now = plan.reminders.map { it.id }.toSet()
        (before - now).forEach { cancel(context, it) }
        plan.reminders.forEach { schedule(context, it) }
        prefs.edit().putStringSet(SCHEDULED, now).apply()
    }

    /** Re-plans off the main thread, opening the store with the device key if needed. */
    fun requestReplan(context: Context) {
        WorkManager.getInstance(context)
            .enqueueUniqueWork("solace-reminders-replan", ExistingWorkPolicy.REPLACE, OneTimeWorkRequestBuilder<ReplanWorker>().build())
    }

    fun schedule(context: Context, reminder: PlannedReminder) {
        val at = OffsetDateTime.parse(reminder.fireAt).toInstant().toEpochMilli()
        val alarms = context.getSystemService(AlarmManager::class.java)
        val exact = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()
        if (exact) {
            alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, pendingIntent(context, reminder.id, reminder.title, reminder.body))
            WorkManager.getInstance(context).cancelUniqueWork(workName(reminder.id))
        } else {
            val delay = (at - System.currentTimeMillis()).coerceAtLeast(0)
            val request = OneTimeWorkRequestBuilder<ReminderWorker>()
                .setInitialDelay(delay, TimeUnit.MILLISECONDS)
                .setInputData(Data.Builder().putString(EXTRA_ID, reminder.id).putString(EXTRA_TITLE, reminder.title).putString(EXTRA_BODY, reminder.body).build())
                .build()
            WorkManager.getInstance(context).enqueueUniqueWork(workName(reminder.id), ExistingWorkPolicy.REPLACE, request)
        }
    }

    private fun cancel(context: Context, id: String) {
        context.getSystemService(AlarmManager::class.java).cancel(pendingIntent(context, id, "", ""))
        WorkManager.getInstance(context).cancelUniqueWork(workName(id))
    }

    private fun workName(id: String) = "solace-reminder-$id"

    /** One PendingIntent per reminder id (the request code and the data URI carry it). */
    private fun pendingIntent(context: Context, id: String, title: String, body: String): PendingIntent {
        val intent = Intent(context, ReminderReceiver::class.java)
            .setData(android.net.Uri.parse("solace-reminder:$id"))
            .putExtra(EXTRA_ID, id).putExtra(EXTRA_TITLE, title).putExtra(EXTRA_BODY, body)
        return PendingIntent.getBroadcast(context, id.hashCode(), intent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE)
    }
}

/** Shows a reminder with a Snooze action; the texts come from the core (discreet by default). */
object ReminderNotifier {
    private const val CHANNEL = "reminders"
    internal const val ACTION_SNOOZE = "app.solace.android.REMINDER_SNOOZE"

    fun ensureChannel(context: Context, name: String) {
        val channel = NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_DEFAULT).apply {
            lockscreenVisibility = android.app.Notification.VISIBILITY_SECRET
            setShowBadge(false)
        }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    fun show(context: Context, id: String, title: String, body: String) {
        val snooze = PendingIntent.getBroadcast(
            context,
            id.hashCode(),
            Intent(context, ReminderActionReceiver::class.java).setAction(ACTION_SNOOZE)
                .setData(android.net.Uri.parse("solace-reminder:$id")).putExtra(ReminderScheduler.EXTRA_ID, id),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        val open = context.packageManager.getLaunchIntentForPackage(context.packageName)?.let {
            PendingIntent.getActivity(context, 0, it, PendingIntent.FLAG_IMMUTABLE)
        }
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_dialog_info) // neutral system glyph
            .setContentTitle(title)
            .setContentText(body)
            .setVisibility(NotificationCompat.VISIBILITY_SECRET)
            .setAutoCancel(true)
            .setContentIntent(open)
            .addAction(0, "Snooze", snooze)
            .build()
        runCatching { NotificationManagerCompat.from(context).notify(id.hashCode(), notification) } // no permission: skip
    }
}

/** An exact alarm fired: show it, then plan the next ones. */
class ReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val id = intent.getStringExtra(ReminderScheduler.EXTRA_ID) ?: return
        ReminderNotifier.show(context, id, intent.getStringExtra(ReminderScheduler.EXTRA_TITLE).orEmpty(), intent.getStringExtra(ReminderScheduler.EXTRA_BODY).orEmpty())
        ReminderScheduler.requestReplan(context)
    }
}

/** The WorkManager path (no exact-alarm permission): show it, then plan the next ones. */
class ReminderWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val id = inputData.getString(ReminderScheduler.EXTRA_ID) ?: return Result.success()
        ReminderNotifier.show(applicationContext, id, inputData.getString(ReminderScheduler.EXTRA_TITLE).orEmpty(), inputData.getString(ReminderScheduler.EXTRA_BODY).orEmpty())
        ReminderScheduler.requestReplan(applicationContext)
        return Result.success()
    }
}

/** The Snooze action: the core moves the reminder (quiet hours respected) and keeps the snooze. */
class ReminderActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != ReminderNotifier.ACTION_SNOOZE) return
        val id = intent.getStringExtra(ReminderScheduler.EXTRA_ID) ?: return
        NotificationManagerCompat.from(context).cancel(id.hashCode())
        val request = OneTimeWorkRequestBuilder<SnoozeWorker>()
            .setInputData(Data.Builder().putString(ReminderScheduler.EXTRA_ID, id).build())
            .build()
        WorkManager.getInstance(context).enqueue(request)
    }
}

/** Opens the store as [SyncWorker] does (the app's own, or with the device key). */
private suspend fun <T> withStore(context: Context, block: (Solace) -> T): T? = withContext(Dispatchers.IO) {
    val app = context.applicationContext as SolaceApp
    app.lock.solace?.let { return@withContext runCatching { block(it) }.getOrNull() }
    // Locked behind the app lock: nothing can be read; the alarms already set stay.
    val solace = runCatching { Solace.openWithDeviceKey(app.storeDir, app.keyStore()) }.getOrNull() ?: return@withContext null
    try { runCatching { block(solace) }.getOrNull() } finally { solace.close() }
}

class SnoozeWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val id = inputData.getString(ReminderScheduler.EXTRA_ID) ?: return Result.success()
        withStore(applicationContext) { solace ->
            val snoozed = solace.snoozeReminder(id, null, null, DeviceZone)
            ReminderScheduler.schedule(applicationContext, snoozed)
        }
        return Result.success()
    }
}

class ReplanWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        withStore(applicationContext) { ReminderScheduler.replan(applicationContext, it) }
        return Result.success()
    }
}

/** Boot, clock and zone changes, app updates: alarms are gone or wrong; plan again. */
class ReminderRescheduleReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        when (intent.action) {
            Intent.ACTION_BOOT_COMPLETED,
            Intent.ACTION_TIME_CHANGED,
            Intent.ACTION_TIMEZONE_CHANGED,
            Intent.ACTION_MY_PACKAGE_REPLACED,
            AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED,
            -> ReminderScheduler.requestReplan(context)
        }
    }
}
