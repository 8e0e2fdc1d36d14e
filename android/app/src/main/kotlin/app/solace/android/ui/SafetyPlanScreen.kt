package app.solace.android.ui

import android.content.Intent
import android.net.Uri
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.solace.viewmodels.PlanSection
import app.solace.viewmodels.SafetyPlanViewModel

/** The safety plan: crisis lines first (tap to call), then the person's own plan. Offline. */
@Composable
fun SafetyPlanScreen(vm: SafetyPlanViewModel, onClose: () -> Unit) {
    val state by vm.state.collectAsStateCompat()
    val context = LocalContext.current
    LaunchedEffect(vm) { vm.load() }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("If you are in danger", style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        state.resources.forEach { r ->
            Row {
                Text("${r.name}: ${r.contact}", Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
                r.dial?.let { number ->
                    TextButton(onClick = { context.startActivity(Intent(Intent.ACTION_DIAL, Uri.parse("tel:$number"))) }) { Text("Call") }
                }
            }
        }
        Text(state.disclaimer, style = MaterialTheme.typography.bodySmall)
        ErrorText(state.error)
        PlanSection.values().forEach { section ->
            Text(section.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            val items = state.sections[section].orEmpty()
            if (items.isEmpty() && !state.editing) Text(section.hint, style = MaterialTheme.typography.bodySmall)
            items.forEachIndexed { i, item ->
                Row {
                    Text("• $item", Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
                    if (state.editing) TextButton(onClick = { vm.removeItem(section, i) }) { Text("Remove") }
                }
            }
            if (state.editing) {
                var draft by remember { mutableStateOf("") }
                OutlinedTextField(draft, { draft = it }, label = { Text("Add") }, modifier = Modifier.fillMaxWidth())
                TextButton(onClick = { vm.addItem(section, draft); draft = "" }) { Text("Add to ${section.title.lowercase()}") }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            if (state.editing) {
                TextButton(onClick = { vm.cancelEditing() }) { Text("Cancel") }
                Button(onClick = { vm.save() }) { Text("Save plan") }
            } else {
                Button(onClick = { vm.startEditing() }) { Text("Edit my plan") }
                TextButton(onClick = onClose) { Text("Close") }
            }
        }
    }
}
