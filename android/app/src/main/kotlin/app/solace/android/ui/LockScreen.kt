package app.solace.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import app.solace.android.R
import app.solace.viewmodels.AppLockViewModel
import app.solace.viewmodels.LockState
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/** First run (passphrase + recovery key), unlock, and recovery. State lives in [AppLockViewModel]. */
@Composable
fun LockScreen(vm: AppLockViewModel, scope: CoroutineScope, onDeviceUnlock: () -> Unit) {
    val state by vm.state.collectAsStateCompat()
    var passphrase by remember { mutableStateOf("") }
    var confirmation by remember { mutableStateOf("") }
    var recovering by remember { mutableStateOf(false) }
    var recoveryKey by remember { mutableStateOf("") }
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        when (val s = state) {
            LockState.Checking, LockState.Unlocked -> CircularProgressIndicator()
            is LockState.Setup -> {
                Text(stringResource(R.string.setup_title), style = MaterialTheme.typography.headlineSmall)
                Secret(passphrase, { passphrase = it }, stringResource(R.string.lock_passphrase))
                Secret(confirmation, { confirmation = it }, stringResource(R.string.setup_confirm))
                ErrorText(s.error)
                Button(enabled = !s.busy, onClick = { vm.create(passphrase, confirmation) }) {
                    Text(stringResource(R.string.setup_create))
                }
            }
            is LockState.ShowRecoveryKey -> {
                Text(stringResource(R.string.recovery_title), style = MaterialTheme.typography.headlineSmall)
                Text(stringResource(R.string.recovery_body), style = MaterialTheme.typography.bodyLarge)
                SelectionContainer { Text(s.recoveryKey, style = MaterialTheme.typography.titleMedium) }
                Button(onClick = { passphrase = ""; confirmation = ""; vm.acknowledgeRecoveryKey() }) {
                    Text(stringResource(R.string.recovery_done))
                }
            }
            is LockState.Locked -> {
                Text(stringResource(R.string.lock_title), style = MaterialTheme.typography.headlineSmall)
                if (recovering) {
                    Secret(recoveryKey, { recoveryKey = it }, "Recovery key", hidden = false)
                    Secret(passphrase, { passphrase = it }, "New passphrase")
                    ErrorText(s.error)
                    Button(enabled = !s.busy, onClick = { vm.recover(recoveryKey, passphrase) }) { Text("Reset passphrase") }
                    TextButton(onClick = { recovering = false }) { Text("Back") }
                } else {
                    Secret(passphrase, { passphrase = it }, stringResource(R.string.lock_passphrase))
                    ErrorText(s.error)
                    Button(enabled = !s.busy, onClick = { vm.unlock(passphrase); passphrase = "" }) {
                        Text(stringResource(R.string.lock_unlock))
                    }
                    if (s.deviceUnlockAvailable) {
                        TextButton(onClick = onDeviceUnlock) { Text(stringResource(R.string.lock_use_device)) }
                    }
                    if (s.offerRecovery) {
                        TextButton(onClick = { recovering = true }) { Text(stringResource(R.string.lock_forgot)) }
                    }
                }
            }
        }
    }
}

@Composable
private fun Secret(value: String, onChange: (String) -> Unit, label: String, hidden: Boolean = true) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        visualTransformation = if (hidden) PasswordVisualTransformation() else androidx.compose.ui.text.input.VisualTransformation.None,
        modifier = Modifier.fillMaxWidth(),
    )
}
