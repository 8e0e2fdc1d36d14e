package app.solace.viewmodels

/**
 * The name and icon the app shows on the home screen. A neutral identity hides what the app
 * is from someone glancing at the phone.
 */
enum class AppIdentity(val displayName: String) {
    STANDARD("Solace"),
    NOTES("Notes"),
    PLANNER("Planner"),
}

/**
 * App-level settings. They live outside the encrypted store (SharedPreferences / UserDefaults)
 * because they are needed while it is locked: the launcher name, the lock timeout and the
 * text of a notification that arrives with the app closed. None of them is personal content.
 */
data class AppSettings(
    /** Ask for biometrics / device credential (or the passphrase) to open the app. */
    val appLock: Boolean = true,
    /** Lock again after this long in the background (0 = immediately). */
    val lockAfterSeconds: Int = 60,
    /** Notifications say only "You have a new update". */
    val discreetNotifications: Boolean = true,
    val identity: AppIdentity = AppIdentity.STANDARD,
    /** The quick-hide control (a button in the top bar; shake/double-tap where the platform offers it). */
    val quickHide: Boolean = true,
)

/** Where [AppSettings] are kept (SharedPreferences on Android, UserDefaults on iOS, memory in tests). */
interface SettingsStorage {
    fun load(): AppSettings
    fun save(settings: AppSettings)
}

class InMemorySettingsStorage(private var value: AppSettings = AppSettings()) : SettingsStorage {
    override fun load() = value
    override fun save(settings: AppSettings) {
        value = settings
    }
}

/** What a notification may say. */
enum class NotificationEvent { NEW_MESSAGE, SYNCED_CHANGES, SESSION_REMINDER, HABIT_REMINDER }

data class NotificationText(val title: String, val body: String)

object Notifications {
    const val DISCREET_BODY = "You have a new update"

    /**
     * The text of a notification. Never any content, names or counts; with discreet
     * notifications on, not even the kind of event or the app's real name.
     */
    fun text(event: NotificationEvent, settings: AppSettings): NotificationText {
        val title = settings.identity.displayName
        if (settings.discreetNotifications) return NotificationText(title, DISCREET_BODY)
        val body = when (event) {
            NotificationEvent.NEW_MESSAGE -> "New message"
            NotificationEvent.SYNCED_CHANGES -> "Your devices are up to date"
            NotificationEvent.SESSION_REMINDER -> "Time for a 5-minute session"
            NotificationEvent.HABIT_REMINDER -> "A habit is due today"
        }
        return NotificationText(title, body)
    }
}

data class SettingsState(
    val settings: AppSettings = AppSettings(),
    /** Quick hide is showing the neutral screen; only an unlock brings the app back. */
    val hidden: Boolean = false,
    /** The identity changed: the platform must switch the launcher alias / icon. */
    val identityChangePending: Boolean = false,
) {
    val notificationPreview: NotificationText get() = Notifications.text(NotificationEvent.NEW_MESSAGE, settings)

    companion object {
        val lockAfterChoices = listOf(0, 60, 300, 900)
    }
}

/**
 * Settings: app lock, discreet notifications, neutral app name and quick hide. [lock] is the
 * app lock's `lock()`: quick hide shows a neutral screen and locks the store at once.
 */
class SettingsViewModel(
    private val storage: SettingsStorage,
    private val lock: () -> Unit,
) : StateHolder<SettingsState>(SettingsState(storage.load())) {

    fun setAppLock(on: Boolean) = change { it.copy(appLock = on) }

    fun setLockAfter(seconds: Int) = change { it.copy(lockAfterSeconds = seconds.coerceAtLeast(0)) }

    fun setDiscreetNotifications(on: Boolean) = change { it.copy(discreetNotifications = on) }

    fun setQuickHide(on: Boolean) = change { it.copy(quickHide = on) }

    fun setIdentity(identity: AppIdentity) {
        if (identity == current.settings.identity) return
        change { it.copy(identity = identity) }
        update { it.copy(identityChangePending = true) }
    }

    /** The platform applied the new launcher name/icon. */
    fun identityApplied() = update { it.copy(identityChangePending = false) }

    /** Hide now: the neutral screen replaces everything and the store is locked. */
    fun quickHide() {
        update { it.copy(hidden = true) }
        lock()
    }

    /** After a successful unlock. */
    fun reveal() = update { it.copy(hidden = false) }

    /** Whether coming back after [backgroundedAtMillis] must show the lock screen. */
    fun shouldLockOnReturn(backgroundedAtMillis: Long, nowMillis: Long): Boolean {
        val s = current.settings
        return s.appLock && nowMillis - backgroundedAtMillis >= s.lockAfterSeconds * 1000L
    }

    private fun change(transform: (AppSettings) -> AppSettings) {
        val next = transform(current.settings)
        storage.save(next)
        update { it.copy(settings = next) }
    }
}
