package app.solace.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.outlined.Circle
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.unit.dp
import app.solace.viewmodels.HabitsViewModel
import app.solace.viewmodels.ScheduleKind

@Composable
fun HabitsScreen(vm: HabitsViewModel) {
    val state by vm.state.collectAsStateCompat()
    LaunchedEffect(vm) { vm.load() }
    val editor = state.editor
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        ErrorText(state.error)
        if (editor != null) {
            OutlinedTextField(editor.name, { v -> vm.edit { it.copy(name = v) } }, label = { Text("Habit") }, modifier = Modifier.fillMaxWidth())
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                listOf(ScheduleKind.DAILY to "Daily", ScheduleKind.TIMES_PER_WEEK to "Per week", ScheduleKind.WEEKDAYS to "Weekdays").forEach { (k, l) ->
                    FilterChip(selected = editor.kind == k, onClick = { vm.edit { it.copy(kind = k) } }, label = { Text(l) })
                }
            }
            if (editor.kind == ScheduleKind.WEEKDAYS) {
                Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                    app.solace.ffi.Weekday.values().forEach { d ->
                        FilterChip(selected = d in editor.weekdays, onClick = { vm.toggleWeekday(d) }, label = { Text(HabitsViewModel.dayName(d)) })
                    }
                }
            }
            OutlinedTextField(editor.cue, { v -> vm.edit { it.copy(cue = v) } }, label = { Text("If… (cue)") }, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(editor.action, { v -> vm.edit { it.copy(action = v) } }, label = { Text("…then I will") }, modifier = Modifier.fillMaxWidth())
            OutlinedTextField(editor.reminder, { v -> vm.edit { it.copy(reminder = v) } }, label = { Text("Reminder HH:MM (optional)") })
            ErrorText(editor.error)
            Row { TextButton(onClick = { vm.cancelEditor() }) { Text("Cancel") }; Button(onClick = { vm.saveHabit() }) { Text("Save") } }
            return@Column
        }
        Button(onClick = { vm.newHabit() }) { Text("New habit") }
        LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
            items(state.rows, key = { it.id }) { row ->
                Card(Modifier.fillMaxWidth()) {
                    Row(Modifier.padding(12.dp)) {
                        // One spoken summary for the texts; the buttons keep their own labels.
                        Column(Modifier.weight(1f).clearAndSetSemantics { contentDescription = row.accessibilityLabel }) {
                            Text(row.name, style = MaterialTheme.typography.titleMedium)
                            Text(row.scheduleLabel, style = MaterialTheme.typography.bodySmall)
                            row.planLabel?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                            Text("${row.currentStreak} ${row.streakLabel} · best ${row.bestStreak} · strength ${row.strengthPercent}%",
                                style = MaterialTheme.typography.labelMedium)
                        }
                        IconButton(onClick = { vm.toggleToday(row.id) }) {
                            Icon(if (row.doneToday) Icons.Filled.CheckCircle else Icons.Outlined.Circle,
                                contentDescription = if (row.doneToday) "Undo today" else "Mark done today")
                        }
                        TextButton(onClick = { vm.skipToday(row.id) }) { Text("Skip") }
                    }
                }
            }
        }
    }
}
