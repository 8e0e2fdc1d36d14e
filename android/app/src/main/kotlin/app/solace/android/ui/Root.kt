package app.solace.android.ui

import androidx.compose.foundation.gestures.detectTapGestures
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Book
import androidx.compose.material.icons.filled.Chat
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.HealthAndSafety
import androidx.compose.material.icons.filled.Insights
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.Today
import androidx.compose.material.icons.filled.VisibilityOff
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.solace.android.R
import app.solace.android.SolaceApp
import app.solace.viewmodels.CheckInViewModel
import app.solace.viewmodels.HabitsViewModel
import app.solace.viewmodels.InsightsViewModel
import app.solace.viewmodels.JournalViewModel
import app.solace.viewmodels.SafetyPlanViewModel
import app.solace.viewmodels.SolaceMessagesViewModel
import app.solace.viewmodels.TodayViewModel

enum class Tab(val label: Int, val icon: ImageVector) {
    TODAY(R.string.nav_today, Icons.Filled.Today),
    JOURNAL(R.string.nav_journal, Icons.Filled.Book),
    HABITS(R.string.nav_habits, Icons.Filled.CheckCircle),
    INSIGHTS(R.string.nav_insights, Icons.Filled.Insights),
    MESSAGES(R.string.nav_messages, Icons.Filled.Chat),
}

/** Overlays reachable from any tab. */
enum class Overlay { NONE, SAFETY, SETTINGS, CHECK_IN }

/**
 * The unlocked app: bottom tabs, and a top bar on every screen with the safety plan (one tap)
 * and quick hide. View models are created once per unlock from the open store.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun SolaceRoot(app: SolaceApp) {
    val solace = app.lock.solace ?: return
    // Network work of the view models runs in this scope: cancelled when the unlocked UI leaves.
    val scope = rememberCoroutineScope()
    val vms = remember(solace) {
        object {
            val today = TodayViewModel(solace)
            val checkIn = CheckInViewModel(solace)
            val journal = JournalViewModel(solace)
            val habits = HabitsViewModel(solace)
            val insights = InsightsViewModel(solace)
            val safety = SafetyPlanViewModel(solace)
            val messages = SolaceMessagesViewModel(solace, scope)
        }
    }
    // Any sync (foreground or the worker's) that brings messages refreshes the messages screen.
    DisposableEffect(vms) {
        val subscription = vms.messages.subscribe()
        onDispose { subscription.cancel() }
    }
    var tab by rememberSaveable { mutableStateOf(Tab.TODAY) }
    var overlay by rememberSaveable { mutableStateOf(Overlay.NONE) }
    val settings by app.settings.state.collectAsStateCompat()

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(settings.settings.identity.displayName) },
                actions = {
                    // The safety plan is one tap away on every screen.
                    IconButton(onClick = { overlay = Overlay.SAFETY }) {
                        Icon(Icons.Filled.HealthAndSafety, contentDescription = stringResource(R.string.cd_safety_plan))
                    }
                    if (settings.settings.quickHide) {
                        IconButton(onClick = { app.settings.quickHide() }) {
                            Icon(Icons.Filled.VisibilityOff, contentDescription = stringResource(R.string.cd_quick_hide))
                        }
                    }
                    IconButton(onClick = { overlay = Overlay.SETTINGS }) {
                        Icon(Icons.Filled.Settings, contentDescription = stringResource(R.string.cd_settings))
                    }
                },
            )
        },
        bottomBar = {
            if (overlay == Overlay.NONE) {
                NavigationBar {
                    Tab.values().forEach { t ->
                        NavigationBarItem(
                            selected = tab == t,
                            onClick = { tab = t },
                            icon = { Icon(t.icon, contentDescription = null) }, // the label is read
                            label = { Text(stringResource(t.label)) },
                        )
                    }
                }
            }
        },
    ) { padding ->
        Box(Modifier.padding(padding).fillMaxSize()) {
            when (overlay) {
                Overlay.SAFETY -> SafetyPlanScreen(vms.safety, onClose = { overlay = Overlay.NONE })
                Overlay.SETTINGS -> SettingsScreen(
                    app.settings,
                    onAppLock = { on ->
                        // The Keystore key's auth rule is fixed when it is created: re-wrap the
                        // device key under a new Keystore key with the new rule.
                        runCatching { solace.forgetDevice(app.keyStore()) }
                        app.settings.setAppLock(on)
                        runCatching { solace.rememberDevice(app.keyStore()) }
                    },
                    onLock = { app.lock.lock() },
                    onClose = { overlay = Overlay.NONE },
                )
                Overlay.CHECK_IN -> CheckInScreen(vms.checkIn, onClose = { overlay = Overlay.NONE })
                Overlay.NONE -> when (tab) {
                    Tab.TODAY -> TodayScreen(vms.today, onCheckIn = { overlay = Overlay.CHECK_IN })
                    Tab.JOURNAL -> JournalScreen(vms.journal)
                    Tab.HABITS -> HabitsScreen(vms.habits)
                    Tab.INSIGHTS -> InsightsScreen(vms.insights)
                    Tab.MESSAGES -> MessagesScreen(vms.messages)
                }
            }
        }
    }
}

/**
 * What quick hide shows: a plain, empty notes screen with the app's neutral name. A long press
 * leads back to the lock screen (the store is already locked).
 */
@Composable
fun NeutralScreen(title: String, onLongPress: () -> Unit) {
    Column(
        Modifier
            .fillMaxSize()
            .padding(24.dp)
            .pointerInput(Unit) { detectTapGestures(onLongPress = { onLongPress() }) }
            .semantics { contentDescription = title },
    ) {
        Text(title, style = MaterialTheme.typography.headlineMedium)
        Text(stringResource(R.string.neutral_body), style = MaterialTheme.typography.bodyLarge)
    }
}
