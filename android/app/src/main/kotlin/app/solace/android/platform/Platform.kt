package app.solace.android.platform

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.ComponentName
import android.content.Context
import android.content.pm.PackageManager
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import app.solace.viewmodels.AppIdentity
import app.solace.viewmodels.AppSettings
import app.solace.viewmodels.NotificationEvent
import app.solace.viewmodels.Notifications
import app.solace.viewmodels.SettingsStorage

/** [AppSettings] in SharedPreferences (no personal content; needed while the store is locked). */
class PrefsSettingsStorage(context: Context) : SettingsStorage {
    private val prefs = context.getSharedPreferences("solace.settings", Context.MODE_PRIVATE)

    override fun load() = AppSettings(
        appLock = prefs.getBoolean("app_lock", true),
        lockAfterSeconds = prefs.getInt("lock_after", 60),
        discreetNotifications = prefs.getBoolean("discreet", true),
        identity = runCatching { AppIdentity.valueOf(prefs.getString("identity", null) ?: "") }.getOrDefault(AppIdentity.STANDARD),
        quickHide = prefs.getBoolean("quick_hide", true),
    )

    override fun save(settings: AppSettings) {
        prefs.edit()
            .putBoolean("app_lock", settings.appLock)
            .putInt("lock_after", settings.lockAfterSeconds)
            .putBoolean("discreet", settings.discreetNotifications)
            .putString("identity", settings.identity.name)
            .putBoolean("quick_hide", settings.quickHide)
            .apply()
    }
}

/**
 * Posts notifications whose text comes from [Notifications.text]: with discreet notifications
 * (the default) only "You have a new update" under the app's current (possibly neutral) name,
 * never content, names or counts; VISIBILITY_SECRET keeps it off the lock screen.
 */
object DiscreetNotifier {
    private const val CHANNEL = "updates"
    private const val ID = 1

    fun ensureChannel(context: Context, name: String) {
        val manager = context.getSystemService(NotificationManager::class.java)
        val channel = NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_DEFAULT).apply {
            lockscreenVisibility = android.app.Notification.VISIBILITY_SECRET
            setShowBadge(false)
        }
        manager.createNotificationChannel(channel)
    }

    fun post(context: Context, event: NotificationEvent, settings: AppSettings) {
        val text = Notifications.text(event, settings)
        val notification = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_dialog_info) // neutral system glyph
            .setContentTitle(text.title)
            .setContentText(text.body)
            .setVisibility(NotificationCompat.VISIBILITY_SECRET)
            .setPublicVersion(
                NotificationCompat.Builder(context, CHANNEL)
                    .setSmallIcon(android.R.drawable.ic_dialog_info)
                    .setContentTitle(settings.identity.displayName)
                    .setContentText(Notifications.DISCREET_BODY)
                    .build(),
            )
            .setAutoCancel(true)
            .setContentIntent(
                context.packageManager.getLaunchIntentForPackage(context.packageName)?.let {
                    android.app.PendingIntent.getActivity(context, 0, it, android.app.PendingIntent.FLAG_IMMUTABLE)
                },
            )
            .build()
        runCatching { NotificationManagerCompat.from(context).notify(ID, notification) } // no permission: skip
    }
}

/** Enables the launcher alias of the chosen [AppIdentity] and disables the others. */
object AppIdentitySwitcher {
    private val aliases = mapOf(
        AppIdentity.STANDARD to ".LauncherStandard",
        AppIdentity.NOTES to ".LauncherNotes",
        AppIdentity.PLANNER to ".LauncherPlanner",
    )

    fun apply(context: Context, identity: AppIdentity) {
        val pm = context.packageManager
        for ((id, alias) in aliases) {
            val state = if (id == identity) PackageManager.COMPONENT_ENABLED_STATE_ENABLED else PackageManager.COMPONENT_ENABLED_STATE_DISABLED
            pm.setComponentEnabledSetting(ComponentName(context, context.packageName + alias), state, PackageManager.DONT_KILL_APP)
        }
    }
}
