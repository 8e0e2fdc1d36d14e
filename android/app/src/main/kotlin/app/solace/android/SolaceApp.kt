package app.solace.android

import android.app.Application
import app.solace.android.platform.DiscreetNotifier
import app.solace.android.platform.KeystoreKeyStore
import app.solace.android.platform.PrefsSettingsStorage
import app.solace.android.platform.ReminderNotifier
import app.solace.android.platform.ReminderScheduler
import app.solace.android.platform.SyncWorker
import app.solace.viewmodels.AppLockViewModel
import app.solace.viewmodels.SettingsViewModel
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

/** Process-wide objects: the one open store (through [lock]), settings, background sync. */
class SolaceApp : Application() {
    val storeDir: String by lazy { File(noBackupFilesDir, "solace").path }
    val settingsStorage by lazy { PrefsSettingsStorage(this) }

    /** The platform key store, biometric-gated when the app lock is on. */
    fun keyStore() = KeystoreKeyStore(File(noBackupFilesDir, "device-keys"), settingsStorage.load().appLock)

    /** Scope of process-wide work (the lock's unlocks): lives as long as the process. */
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Main)

    val lock: AppLockViewModel by lazy { AppLockViewModel(storeDir, keyStore(), appScope) }
    val settings: SettingsViewModel by lazy { SettingsViewModel(settingsStorage, lock::lock) }

    override fun onCreate() {
        super.onCreate()
        DiscreetNotifier.ensureChannel(this, getString(R.string.notification_channel_updates))
        SyncWorker.schedule(this)
        // The same neutral channel name as updates: the channel list shows no purpose.
        ReminderNotifier.ensureChannel(this, getString(R.string.notification_channel_updates))
        ReminderScheduler.requestReplan(this)
    }
}
