package app.solace.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import app.solace.viewmodels.CheckInState
import app.solace.viewmodels.CheckInViewModel

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun CheckInScreen(vm: CheckInViewModel, onClose: () -> Unit) {
    val state by vm.state.collectAsStateCompat()
    LaunchedEffect(vm) { vm.load() }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("How are you feeling?", style = MaterialTheme.typography.headlineSmall)
        ScaleSlider(state.mood ?: 5, CheckInState.MOOD_MIN, CheckInState.MOOD_MAX, label = { "$it, ${CheckInState.moodWord(it)}" }) { vm.setMood(it) }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            CheckInState.emotionChoices.forEach { e ->
                FilterChip(selected = e in state.emotions, onClick = { vm.toggleEmotion(e) }, label = { Text(e) })
            }
        }
        OutlinedTextField(state.note, vm::setNote, label = { Text("A note (optional)") }, modifier = Modifier.fillMaxWidth())
        ErrorText(state.error)
        Button(enabled = state.canSave, onClick = { vm.save() }) { Text("Save check-in") }
        if (state.justSaved) Text("Saved.", style = MaterialTheme.typography.bodyMedium)
        TextButton(onClick = onClose) { Text("Close") }
        Text("This week", style = MaterialTheme.typography.titleMedium)
        state.recent.forEach { Text("${it.day} ${it.time} — ${it.mood}/10 ${it.emotions.joinToString()}") }
    }
}
