package app.solace.android

import android.os.Bundle
import android.os.SystemClock
import android.view.WindowManager
import androidx.activity.compose.setContent
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.lifecycleScope
import app.solace.android.platform.AppIdentitySwitcher
import app.solace.android.ui.LockScreen
import app.solace.android.ui.NeutralScreen
import app.solace.android.ui.SolaceRoot
import app.solace.viewmodels.LockState
import kotlinx.coroutines.launch

/**
 * The only activity. It decides between the neutral screen (quick hide), the lock screen and the
 * app; everything it shows is driven by the plain-Kotlin view models.
 */
class MainActivity : FragmentActivity() {
    private val app get() = application as SolaceApp
    private var backgroundedAt = 0L

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // No screenshots, and a blank card in Recents.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        app.lock.start()
        setContent {
            MaterialTheme {
                val lockState by app.lock.state.collectAsState()
                val settings by app.settings.state.collectAsState()
                when {
                    settings.hidden && lockState != LockState.Unlocked -> NeutralScreen(
                        title = settings.settings.identity.displayName,
                        onLongPress = { app.settings.reveal() }, // the way back: a long press, then unlock
                    )
                    lockState == LockState.Unlocked -> SolaceRoot(app)
                    else -> LockScreen(app.lock, lifecycleScope, onDeviceUnlock = ::promptThenUnlock)
                }
                if (settings.identityChangePending) {
                    AppIdentitySwitcher.apply(this, settings.settings.identity)
                    app.settings.identityApplied()
                }
            }
        }
    }

    /** BiometricPrompt (or device PIN) authorises the Keystore key for a short window, then unlock. */
    private fun promptThenUnlock() {
        val prompt = BiometricPrompt(
            this,
            ContextCompat.getMainExecutor(this),
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                    app.lock.unlockWithDevice()
                }
            },
        )
        prompt.authenticate(
            BiometricPrompt.PromptInfo.Builder()
                .setTitle(app.settings.current.settings.identity.displayName)
                .setAllowedAuthenticators(BIOMETRIC_STRONG or DEVICE_CREDENTIAL)
                .build(),
        )
    }

    override fun onStop() {
        super.onStop()
        backgroundedAt = SystemClock.elapsedRealtime()
    }

    override fun onStart() {
        super.onStart()
        if (backgroundedAt != 0L &&
            app.lock.current == LockState.Unlocked &&
            app.settings.shouldLockOnReturn(backgroundedAt, SystemClock.elapsedRealtime())
        ) {
            app.lock.lock()
        }
    }
}
