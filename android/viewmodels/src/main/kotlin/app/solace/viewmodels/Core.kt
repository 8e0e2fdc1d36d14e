// Shared plumbing of the view models: an observable state holder, typed UI errors and the
// clock. Plain Kotlin: no android.* import anywhere in this module (it is compiled and tested
// on the JVM by `cargo xtask test-android-vm`).
package app.solace.viewmodels

import app.solace.ffi.KeyStoreException
import app.solace.ffi.SolaceException
import java.time.LocalDate
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/**
 * Holds one immutable state value and publishes it as a [StateFlow] (Compose collects it with
 * `collectAsState()`). Every view model extends it; screens only read `state` and call methods.
 *
 * Threading: methods are synchronous and short (one encrypted SQLite call) unless marked
 * `suspend`, which move their blocking work (Argon2id, network) to the IO dispatcher.
 */
abstract class StateHolder<S>(initial: S) {
    private val mutable = MutableStateFlow(initial)

    /** The current screen state. */
    val state: StateFlow<S> = mutable.asStateFlow()

    /** The current value (handy in tests and event handlers). */
    val current: S get() = mutable.value

    protected fun update(transform: (S) -> S) = mutable.update(transform)

    protected fun set(value: S) {
        mutable.value = value
    }
}

/** Today's local date, injectable so tests can pin it. */
fun interface Clock {
    fun today(): LocalDate

    companion object {
        val system = Clock { LocalDate.now() }
    }
}

/** What went wrong, as a screen shows it. Mapped from the core's typed [SolaceException]. */
sealed class UiError {
    /** A short sentence fit to show (no personal data, no secrets). */
    abstract val message: String

    object WrongPassphrase : UiError() {
        override val message = "That passphrase doesn't open Solace. Try again."
    }
    object WrongRecoveryKey : UiError() {
        override val message = "That recovery key doesn't match this device's data."
    }
    object MalformedRecoveryKey : UiError() {
        override val message = "That doesn't look like a recovery key. Check for typos."
    }
    object PassphrasesDiffer : UiError() {
        override val message = "The two passphrases don't match."
    }
    object EmptyPassphrase : UiError() {
        override val message = "Enter your passphrase."
    }
    object DeviceNotRemembered : UiError() {
        override val message = "Unlock with your passphrase."
    }
    object KeyStoreDenied : UiError() {
        override val message = "Unlock was cancelled. Use your passphrase or try again."
    }
    object StoreBusy : UiError() {
        override val message = "Solace is busy in another window. Try again in a moment."
    }
    object Locked : UiError() {
        override val message = "Solace is locked."
    }
    object DiskFull : UiError() {
        override val message = "Your device is full; nothing was saved."
    }
    object Offline : UiError() {
        override val message = "Can't reach the server. Your changes are safe and will sync later."
    }
    object NotRegistered : UiError() {
        override val message = "Sync isn't set up on this device."
    }
    object Unauthorized : UiError() {
        override val message = "Sign in again to keep syncing."
    }
    object Damaged : UiError() {
        override val message = "Some data could not be opened. It may be damaged."
    }
    data class Invalid(val detail: String) : UiError() {
        override val message get() = detail.replaceFirstChar { it.uppercase() }
    }
    data class WeakPassphrase(val detail: String) : UiError() {
        override val message get() = "Choose a stronger passphrase: $detail"
    }
    data class NotFound(val what: String) : UiError() {
        override val message get() = "That $what no longer exists."
    }
    data class Unexpected(val detail: String) : UiError() {
        override val message = "Something went wrong. Please try again."
    }
}

/** Maps any exception a binding call raised to the [UiError] a screen shows. */
fun Throwable.toUiError(): UiError = when (this) {
    is SolaceException.WrongPassphrase -> UiError.WrongPassphrase
    is SolaceException.WrongRecoveryKey -> UiError.WrongRecoveryKey
    is SolaceException.MalformedRecoveryKey -> UiError.MalformedRecoveryKey
    is SolaceException.DeviceNotRemembered, is SolaceException.DeviceKeyMismatch -> UiError.DeviceNotRemembered
    is SolaceException.KeyStore, is KeyStoreException -> UiError.KeyStoreDenied
    is SolaceException.WeakPassphrase -> UiError.WeakPassphrase(detail)
    is SolaceException.StoreBusy -> UiError.StoreBusy
    is SolaceException.Closed -> UiError.Locked
    is SolaceException.DiskFull -> UiError.DiskFull
    is SolaceException.Network -> UiError.Offline
    is SolaceException.NotRegistered -> UiError.NotRegistered
    is SolaceException.Unauthorized -> UiError.Unauthorized
    is SolaceException.Crypto, is SolaceException.CorruptStore -> UiError.Damaged
    is SolaceException.InvalidInput -> UiError.Invalid(detail)
    is SolaceException.NotFound -> UiError.NotFound(what)
    else -> UiError.Unexpected(this::class.simpleName ?: "error")
}

/**
 * Runs a binding call and returns its value, or null after reporting the mapped error through
 * [onError]. Only [SolaceException]/[KeyStoreException] are caught: programming errors crash.
 */
internal inline fun <T> attempt(onError: (UiError) -> Unit, block: () -> T): T? =
    try {
        block()
    } catch (e: SolaceException) {
        onError(e.toUiError())
        null
    } catch (e: KeyStoreException) {
        onError(e.toUiError())
        null
    }

/** The local day of an RFC 3339 timestamp as written (the writer's own offset). */
internal fun dayOf(timestamp: String): LocalDate = LocalDate.parse(timestamp.substring(0, 10))

/** "HH:MM" of an RFC 3339 timestamp as written. */
internal fun timeOf(timestamp: String): String = timestamp.substring(11, 16)
