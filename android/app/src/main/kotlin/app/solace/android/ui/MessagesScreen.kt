package app.solace.android.ui

import androidx.compose.foundation.clickable
import androidx.compose.ui.Alignment
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Badge
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import app.solace.ffi.IdentityView
import app.solace.viewmodels.MessagesViewModel
import kotlinx.coroutines.launch

/**
 * End-to-end encrypted messages with the therapist, written against the [MessagesViewModel]
 * contract (the app passes `SolaceMessagesViewModel`). Sending only queues; a sync on showing
 * the screen and after each send delivers (background sync does the rest).
 */
@Composable
fun MessagesScreen(vm: MessagesViewModel) {
    val state by vm.state.collectAsStateCompat()
    val scope = rememberCoroutineScope()
    LaunchedEffect(vm) {
        vm.load()
        vm.sync().join()
    }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        if (state.unavailable) {
            Text("Set up sync in Settings to message your therapist.", style = MaterialTheme.typography.bodyLarge)
            return@Column
        }
        ErrorText(state.error)
        val selected = state.selected
        if (selected == null) {
            LazyColumn {
                items(state.conversations, key = { it.id }) { c ->
                    Row(Modifier.fillMaxWidth().clickable { vm.open(c.id) }.padding(12.dp)
                        .semantics(mergeDescendants = true) {
                            contentDescription = c.title + (if (c.unread > 0) ", ${c.unread} unread" else "") + (if (c.paused) ", paused" else "")
                        }) {
                        Text(c.title, Modifier.weight(1f), style = MaterialTheme.typography.titleMedium)
                        if (c.unread > 0) Badge { Text("${c.unread}") }
                    }
                }
            }
            return@Column
        }
        Row(verticalAlignment = Alignment.CenterVertically) {
            TextButton(onClick = { vm.close() }) { Text("All conversations") }
            Text(state.title ?: "", Modifier.weight(1f), style = MaterialTheme.typography.titleMedium)
            TextButton(onClick = { if (state.paused) vm.resume() else vm.pause() }) { Text(if (state.paused) "Resume" else "Pause") }
        }
        if (state.paused) Text("Paused: no reminders or notifications until you resume. Your therapist sees this too.", style = MaterialTheme.typography.bodySmall)
        if (state.peerPaused) Text("Your therapist paused this conversation.", style = MaterialTheme.typography.bodySmall)
        state.identity?.let { IdentityPanel(it, vm) }
        LazyColumn(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            items(state.messages, key = { it.id }) { m ->
                if (m.systemLine) {
                    // A notice Solace added ("Dr. Kim added a device"): a line across, no bubble.
                    Text(
                        m.text,
                        Modifier.fillMaxWidth().padding(vertical = 4.dp),
                        style = MaterialTheme.typography.labelMedium,
                        textAlign = TextAlign.Center,
                    )
                } else {
                    Column(Modifier.fillMaxWidth(), horizontalAlignment = if (m.outgoing) Alignment.End else Alignment.Start) {
                        Card(Modifier.clickable(enabled = m.canRetry) { vm.retry(m.id) }) {
                            Text(m.text, Modifier.padding(10.dp), style = MaterialTheme.typography.bodyLarge)
                        }
                        m.statusLabel?.let { Text(it, style = MaterialTheme.typography.labelSmall) }
                    }
                }
            }
        }
        Row(verticalAlignment = Alignment.CenterVertically) {
            OutlinedTextField(state.draft, vm::updateDraft, Modifier.weight(1f), label = { Text("Message") })
            Button(enabled = state.canSend, onClick = {
                vm.send()
                vm.sync()
            }) { Text("Send") }
        }
    }
}

/**
 * The conversation's identity: the core's status line ("Identity changed — sending paused until
 * you accept" while a change waits, with the accept button), and on demand the safety number to
 * compare (rows as the core lays them out; a screen reader hears it digit by digit) with "Mark
 * as verified" / "Unverify". The QR code is drawn from `identity.qrPayload`.
 */
@Composable
private fun IdentityPanel(identity: IdentityView, vm: MessagesViewModel) {
    var expanded by remember { mutableStateOf(false) }
    Column(Modifier.fillMaxWidth()) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            val style = if (identity.sendingPaused) MaterialTheme.typography.titleSmall else MaterialTheme.typography.bodySmall
            Text(identity.statusLabel, Modifier.weight(1f), style = style)
            if (identity.safetyNumber != null) {
                TextButton(onClick = { expanded = !expanded }) { Text(if (expanded) "Hide safety number" else "Safety number") }
            }
        }
        if (identity.canAcceptChange) Button(onClick = { vm.acceptIdentityChange() }) { Text("Accept the new identity") }
        if (expanded) {
            Column(Modifier.semantics(mergeDescendants = true) {
                contentDescription = "Safety number: " + (identity.safetyNumberSpoken ?: "")
            }) {
                identity.safetyNumberRows.forEach {
                    Text(it, style = MaterialTheme.typography.titleMedium, fontFamily = FontFamily.Monospace)
                }
            }
            if (identity.canMarkVerified) Button(onClick = { vm.markVerified() }) { Text("Mark as verified") }
            if (identity.canUnverify) TextButton(onClick = { vm.unverify() }) { Text("Unverify") }
        }
    }
}
