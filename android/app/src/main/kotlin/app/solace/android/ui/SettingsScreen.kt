package app.solace.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import app.solace.viewmodels.AppIdentity
import app.solace.viewmodels.SettingsState
import app.solace.viewmodels.SettingsViewModel

@Composable
fun SettingsScreen(vm: SettingsViewModel, onAppLock: (Boolean) -> Unit, onLock: () -> Unit, onClose: () -> Unit) {
    val state by vm.state.collectAsStateCompat()
    val s = state.settings
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Toggle("App lock (fingerprint, face or device PIN)", s.appLock, onAppLock)
        Text("Lock after", style = MaterialTheme.typography.titleSmall)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            SettingsState.lockAfterChoices.forEach { secs ->
                FilterChip(selected = s.lockAfterSeconds == secs, onClick = { vm.setLockAfter(secs) },
                    label = { Text(if (secs == 0) "Immediately" else "${secs / 60} min") })
            }
        }
        Toggle("Discreet notifications", s.discreetNotifications, vm::setDiscreetNotifications)
        Text("Notifications look like: “${state.notificationPreview.title} — ${state.notificationPreview.body}”", style = MaterialTheme.typography.bodySmall)
        Text("App name on the home screen", style = MaterialTheme.typography.titleSmall)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            AppIdentity.values().forEach { id ->
                FilterChip(selected = s.identity == id, onClick = { vm.setIdentity(id) }, label = { Text(id.displayName) })
            }
        }
        Toggle("Quick hide button in the top bar", s.quickHide, vm::setQuickHide)
        OutlinedButton(onClick = onLock) { Text("Lock now") }
        TextButton(onClick = onClose) { Text("Close") }
    }
}

@Composable
private fun Toggle(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    // The whole row is one switch for TalkBack.
    Row(Modifier.fillMaxWidth().toggleable(value = checked, role = Role.Switch, onValueChange = onChange)) {
        Text(label, Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
        Switch(checked = checked, onCheckedChange = null)
    }
}
