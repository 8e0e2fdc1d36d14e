package app.solace.android.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.solace.viewmodels.Distortions
import app.solace.viewmodels.EntryKind
import app.solace.viewmodels.JournalEditor
import app.solace.viewmodels.JournalViewModel
import app.solace.viewmodels.ThoughtStep

@Composable
fun JournalScreen(vm: JournalViewModel) {
    val state by vm.state.collectAsStateCompat()
    LaunchedEffect(vm) { vm.load() }
    val editor = state.editor
    if (editor != null) {
        JournalEditorView(vm, editor)
        return
    }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(state.query, vm::setQuery, label = { Text("Search your journal") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { vm.newEntry() }) { Text("New entry") }
            OutlinedButton(onClick = { vm.newThoughtRecord() }) { Text("Thought record") }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            state.tags.take(6).forEach { (tag, count) ->
                FilterChip(selected = state.tag == tag, onClick = { vm.selectTag(tag) }, label = { Text("#$tag ($count)") })
            }
        }
        ErrorText(state.error)
        LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
            items(state.entries, key = { it.id }) { row ->
                Card(Modifier.fillMaxWidth().clickable { vm.open(row.id) }) {
                    Column(Modifier.padding(12.dp)) {
                        Text(row.title, style = MaterialTheme.typography.titleMedium)
                        Text(row.preview, style = MaterialTheme.typography.bodyMedium, maxLines = 2)
                        Text(row.day + if (row.edited) " · edited" else "", style = MaterialTheme.typography.labelSmall)
                    }
                }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun JournalEditorView(vm: JournalViewModel, editor: JournalEditor) {
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(10.dp)) {
        if (editor.kind != EntryKind.THOUGHT_RECORD) {
            if (editor.kind == EntryKind.PROMPTED) Text(editor.prompt, style = MaterialTheme.typography.titleMedium)
            OutlinedTextField(editor.title, { t -> vm.edit { it.copy(title = t) } }, label = { Text("Title (optional)") }, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(editor.text, { t -> vm.edit { it.copy(text = t) } }, label = { Text("Write freely") }, minLines = 6, modifier = Modifier.fillMaxWidth())
        } else {
            val t = editor.thought
            Text("Step ${editor.stepNumber} of ${editor.stepCount}: ${editor.step.title}", style = MaterialTheme.typography.labelLarge)
            Text(editor.step.prompt, style = MaterialTheme.typography.headlineSmall)
            when (editor.step) {
                ThoughtStep.SITUATION -> OutlinedTextField(t.situation, { v -> vm.editThought { it.copy(situation = v) } }, modifier = Modifier.fillMaxWidth())
                ThoughtStep.AUTOMATIC_THOUGHT -> OutlinedTextField(t.automaticThought, { v -> vm.editThought { it.copy(automaticThought = v) } }, modifier = Modifier.fillMaxWidth())
                ThoughtStep.EMOTIONS -> {
                    var name by remember { mutableStateOf("") }
                    var intensity by remember { mutableStateOf(50f) }
                    t.emotions.forEach { Text("${it.emotion}: ${it.intensity}") }
                    OutlinedTextField(name, { name = it }, label = { Text("Emotion") })
                    Slider(intensity, { intensity = it }, valueRange = 0f..100f, modifier = Modifier.semantics { stateDescription = "${intensity.toInt()} of 100" })
                    TextButton(onClick = { vm.addEmotion(name, intensity.toInt()); name = "" }) { Text("Add emotion") }
                }
                ThoughtStep.DISTORTIONS -> FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    Distortions.all.forEach { (d, label) ->
                        FilterChip(selected = d in t.distortions, onClick = { vm.toggleDistortion(d) }, label = { Text(label) })
                    }
                }
                ThoughtStep.EVIDENCE -> {
                    OutlinedTextField(t.evidenceFor, { v -> vm.editThought { it.copy(evidenceFor = v) } }, label = { Text("Supports it") }, modifier = Modifier.fillMaxWidth())
                    OutlinedTextField(t.evidenceAgainst, { v -> vm.editThought { it.copy(evidenceAgainst = v) } }, label = { Text("Doesn't support it") }, modifier = Modifier.fillMaxWidth())
                }
                ThoughtStep.BALANCED_THOUGHT -> OutlinedTextField(t.balancedThought, { v -> vm.editThought { it.copy(balancedThought = v) } }, modifier = Modifier.fillMaxWidth())
                ThoughtStep.RERATE -> t.rerated.forEach { e ->
                    Text("${e.emotion}: ${e.intensity}")
                    Slider(e.intensity.toFloat(), { vm.rerate(e.emotion, it.toInt()) }, valueRange = 0f..100f,
                        modifier = Modifier.semantics { stateDescription = "${e.emotion} ${e.intensity} of 100" })
                }
            }
        }
        OutlinedTextField(editor.tags, { v -> vm.edit { it.copy(tags = v) } }, label = { Text("Tags") }, modifier = Modifier.fillMaxWidth())
        ErrorText(editor.error)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            TextButton(onClick = { vm.discard() }) { Text("Cancel") }
            if (editor.kind == EntryKind.THOUGHT_RECORD && editor.step != ThoughtStep.SITUATION) {
                OutlinedButton(onClick = { vm.previousStep() }) { Text("Back") }
            }
            if (editor.kind == EntryKind.THOUGHT_RECORD && !editor.isLastStep) {
                Button(onClick = { vm.nextStep() }) { Text("Next") }
            } else {
                Button(onClick = { vm.save() }) { Text("Save") }
            }
            editor.id?.let { id -> TextButton(onClick = { vm.delete(id) }) { Text("Delete") } }
        }
    }
}
