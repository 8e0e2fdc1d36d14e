package app.solace.viewmodels

import app.solace.ffi.KdfPreset
import app.solace.ffi.KeyStore
import app.solace.ffi.Solace
import app.solace.ffi.SolaceException
import app.solace.ffi.createStore
import app.solace.ffi.openWithPassphrase
import app.solace.ffi.resetPassphrase
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** The lock screen's state. */
sealed class LockState {
    /** Trying the device key (the platform may show a biometric prompt). */
    object Checking : LockState()

    /** No store on this device yet: choose a passphrase. */
    data class Setup(val busy: Boolean = false, val error: UiError? = null) : LockState()

    /** Created: show the recovery key once, then continue. */
    data class ShowRecoveryKey(val recoveryKey: String) : LockState()

    /** Locked: passphrase (or the device key, when [deviceUnlockAvailable]). */
    data class Locked(
        val busy: Boolean = false,
        val error: UiError? = null,
        val failedAttempts: Int = 0,
        val deviceUnlockAvailable: Boolean = false,
    ) : LockState() {
        /** After a few wrong passphrases, point at the recovery key. */
        val offerRecovery: Boolean get() = failedAttempts >= RECOVERY_HINT_AFTER
    }

    /** Open: the rest of the app runs on [AppLockViewModel.solace]. */
    object Unlocked : LockState()

    companion object {
        const val RECOVERY_HINT_AFTER = 3
    }
}

/**
 * Unlocking and locking the encrypted store. Owns the one open [Solace] of the process; other
 * view models are built from [solace] after [LockState.Unlocked] and dropped on [lock].
 *
 * The [keyStore] is the platform's (Android Keystore / iOS Keychain): when the app lock is on,
 * loading the device key needs the person's biometrics or device credential, so "unlock with
 * the device key" *is* the app lock.
 *
 * Threading: every action launches in [scope] (the app passes `viewModelScope`) and returns its
 * [Job]; Argon2id runs in the core's async calls, and the platform key store (which may show a
 * biometric prompt) is called on [io], so the calling (UI) thread never blocks.
 */
class AppLockViewModel(
    private val storeDir: String,
    private val keyStore: KeyStore,
    private val scope: CoroutineScope,
    private val kdf: KdfPreset = KdfPreset.STANDARD,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : StateHolder<LockState>(LockState.Checking) {
    @Volatile
    var solace: Solace? = null
        private set

    private var pendingStore: Solace? = null

    /** First screen: opens with the device key when this device is remembered. */
    fun start(): Job = scope.launch {
        set(LockState.Checking)
        val opened = withContext(io) { runCatching { Solace.openWithDeviceKey(storeDir, keyStore) } }
        opened.fold(
            onSuccess = { unlocked(it) },
            onFailure = { e ->
                when (e) {
                    is SolaceException.NotInitialized -> set(LockState.Setup())
                    is SolaceException.DeviceNotRemembered, is SolaceException.DeviceKeyMismatch ->
                        set(LockState.Locked(deviceUnlockAvailable = false))
                    is SolaceException, is app.solace.ffi.KeyStoreException ->
                        set(LockState.Locked(error = e.toUiError(), deviceUnlockAvailable = true))
                    else -> throw e
                }
            },
        )
    }

    /** First run: creates the store, remembers this device and shows the recovery key once. */
    fun create(passphrase: String, confirmation: String): Job = scope.launch {
        val error = when {
            passphrase.isBlank() -> UiError.EmptyPassphrase
            passphrase != confirmation -> UiError.PassphrasesDiffer
            else -> null
        }
        if (error != null) {
            set(LockState.Setup(error = error))
            return@launch
        }
        set(LockState.Setup(busy = true))
        val result = runCatching {
            val created = createStore(storeDir, passphrase, kdf)
            withContext(io) { created.solace.rememberDevice(keyStore) }
            created
        }
        result.fold(
            onSuccess = {
                pendingStore = it.solace
                set(LockState.ShowRecoveryKey(it.recoveryKey))
            },
            onFailure = { set(LockState.Setup(error = rethrowUnlessSolace(it))) },
        )
    }

    /** The person wrote the recovery key down. */
    fun acknowledgeRecoveryKey() {
        val store = pendingStore ?: return
        pendingStore = null
        unlocked(store)
    }

    /** Unlocks with the passphrase; a wrong one leaves the screen locked with the typed error. */
    fun unlock(passphrase: String, rememberDevice: Boolean = true): Job = scope.launch {
        val locked = current as? LockState.Locked ?: LockState.Locked()
        if (passphrase.isEmpty()) {
            set(locked.copy(error = UiError.EmptyPassphrase))
            return@launch
        }
        set(locked.copy(busy = true, error = null))
        val result = runCatching {
            val store = openWithPassphrase(storeDir, passphrase)
            if (rememberDevice && !store.deviceRemembered()) {
                // Best effort: a refused key store still leaves the store open.
                withContext(io) { runCatching { store.rememberDevice(keyStore) } }
            }
            store
        }
        result.fold(
            onSuccess = { unlocked(it) },
            onFailure = { e ->
                val error = rethrowUnlessSolace(e)
                set(
                    locked.copy(
                        busy = false,
                        error = error,
                        failedAttempts = locked.failedAttempts + if (error == UiError.WrongPassphrase) 1 else 0,
                    ),
                )
            },
        )
    }

    /** Unlocks with the device key (biometric prompt on the platform, when the lock is on). */
    fun unlockWithDevice(): Job = scope.launch {
        val locked = current as? LockState.Locked ?: LockState.Locked()
        set(locked.copy(busy = true, error = null))
        val result = withContext(io) { runCatching { Solace.openWithDeviceKey(storeDir, keyStore) } }
        result.fold(
            onSuccess = { unlocked(it) },
            onFailure = { e ->
                val error = rethrowUnlessSolace(e)
                set(
                    locked.copy(
                        busy = false,
                        error = error,
                        deviceUnlockAvailable = error != UiError.DeviceNotRemembered,
                    ),
                )
            },
        )
    }

    /** Forgotten passphrase: the recovery key sets a new one. */
    fun recover(recoveryKey: String, newPassphrase: String): Job = scope.launch {
        val locked = current as? LockState.Locked ?: LockState.Locked()
        if (newPassphrase.isBlank()) {
            set(locked.copy(error = UiError.EmptyPassphrase))
            return@launch
        }
        set(locked.copy(busy = true, error = null))
        val result = runCatching {
            val store = resetPassphrase(storeDir, recoveryKey, newPassphrase, false)
            withContext(io) { runCatching { store.rememberDevice(keyStore) } }
            store
        }
        result.fold(
            onSuccess = { unlocked(it) },
            onFailure = { set(locked.copy(busy = false, error = rethrowUnlessSolace(it))) },
        )
    }

    /**
     * Locks now (quick hide, app lock timeout, "lock" button): closes the store, so every view
     * model built on it stops working until the next unlock.
     */
    fun lock() {
        val store = solace ?: pendingStore
        solace = null
        pendingStore = null
        val remembered = store?.let { runCatching { it.deviceRemembered() }.getOrDefault(false) } ?: false
        store?.closeStore()
        store?.close()
        set(LockState.Locked(deviceUnlockAvailable = remembered))
    }

    private fun unlocked(store: Solace) {
        solace = store
        set(LockState.Unlocked)
    }

    private fun rethrowUnlessSolace(e: Throwable): UiError =
        if (e is SolaceException || e is app.solace.ffi.KeyStoreException) e.toUiError() else throw e
}
