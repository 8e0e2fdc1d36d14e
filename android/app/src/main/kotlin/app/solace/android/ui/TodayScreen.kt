package app.solace.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableFloatStateOf
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.unit.dp
import app.solace.ffi.FollowUpChoice
import app.solace.viewmodels.CheckInState
import app.solace.viewmodels.SessionScreen
import app.solace.viewmodels.StepInput
import app.solace.viewmodels.TodayViewModel
import kotlinx.coroutines.delay

/** Today: the 5-minute session (start / resume), quick check-in, streaks. */
@Composable
fun TodayScreen(vm: TodayViewModel, onCheckIn: () -> Unit) {
    val state by vm.state.collectAsStateCompat()
    LaunchedEffect(vm) { vm.refresh() }
    val session = state.session
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        ErrorText(state.error)
        if (session != null) {
            LinearProgressIndicator(
                progress = { session.progress },
                modifier = Modifier.fillMaxWidth().semantics { contentDescription = "Session progress ${(session.progress * 100).toInt()} percent" },
            )
            session.techniqueName?.let { Text(it, style = MaterialTheme.typography.titleMedium) }
            SessionStep(vm, session.screen)
            TextButton(onClick = { vm.closeSession() }) { Text("Pause and close") }
        } else {
            Button(onClick = { vm.startOrResume() }, modifier = Modifier.fillMaxWidth()) { Text(state.primaryAction) }
            OutlinedButton(onClick = onCheckIn, modifier = Modifier.fillMaxWidth()) { Text("Quick mood check-in") }
            Text(
                if (state.sessionStreakDays > 0) "${state.sessionStreakDays}-day session streak" else "No streak yet — today is a good day to start",
                style = MaterialTheme.typography.titleMedium,
            )
            state.habits.forEach { h ->
                Card(Modifier.fillMaxWidth()) {
                    Row(Modifier.padding(12.dp), horizontalArrangement = Arrangement.SpaceBetween) {
                        Text(h.name, Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
                        Text("${h.current} ${h.unitLabel}" + if (h.doneToday) " ✓" else "",
                            Modifier.semantics { stateDescription = if (h.doneToday) "done today" else "not done yet" })
                    }
                }
            }
        }
    }
}

@Composable
private fun SessionStep(vm: TodayViewModel, screen: SessionScreen) {
    var text by remember(screen) { mutableStateOf("") }
    var number by remember(screen) { mutableIntStateOf(5) }
    when (screen) {
        SessionScreen.CheckIn -> {
            Text("How are you feeling right now?", style = MaterialTheme.typography.headlineSmall)
            ScaleSlider(number, 1, 10, label = { "$it, ${CheckInState.moodWord(it)}" }) { number = it }
            OutlinedTextField(text, { text = it }, label = { Text("What's on your mind?") }, modifier = Modifier.fillMaxWidth())
            Button(onClick = { vm.checkIn(number, text) }) { Text("Continue") }
        }
        is SessionScreen.ChooseTechnique -> {
            screen.reason?.let { Text("Suggested $it", style = MaterialTheme.typography.bodyMedium) }
            screen.options.forEach { o ->
                Card(Modifier.fillMaxWidth()) {
                    Column(Modifier.padding(12.dp)) {
                        Text(o.name + if (o.suggested) " (suggested)" else "", style = MaterialTheme.typography.titleMedium)
                        Text(o.description, style = MaterialTheme.typography.bodyMedium)
                        TextButton(onClick = { vm.choose(o.id) }) { Text("Start") }
                    }
                }
            }
        }
        is SessionScreen.Step -> {
            Text("Step ${screen.index + 1} of ${screen.count}", style = MaterialTheme.typography.labelLarge)
            Text(screen.prompt, style = MaterialTheme.typography.headlineSmall)
            when (val input = screen.input) {
                StepInput.Text -> {
                    OutlinedTextField(text, { text = it }, modifier = Modifier.fillMaxWidth())
                    Button(enabled = screen.optional || text.isNotBlank(), onClick = { vm.answerText(text) }) { Text("Next") }
                }
                is StepInput.Scale -> {
                    ScaleSlider(number.coerceIn(input.min, input.max), input.min, input.max, label = { "$it" }) { number = it }
                    Button(onClick = { vm.answerNumber(number.coerceIn(input.min, input.max)) }) { Text("Next") }
                }
                is StepInput.Breathing, is StepInput.Countdown -> TimedStep(
                    total = if (input is StepInput.Breathing) input.totalSeconds else (input as StepInput.Countdown).from,
                    onDone = { vm.completeTimed(it) },
                )
            }
        }
        SessionScreen.Reflection -> {
            Text("What do you take from this?", style = MaterialTheme.typography.headlineSmall)
            OutlinedTextField(text, { text = it }, modifier = Modifier.fillMaxWidth())
            Button(onClick = { vm.reflect(text) }) { Text("Next") }
        }
        SessionScreen.Rating -> {
            Text("Did this help?", style = MaterialTheme.typography.headlineSmall)
            ScaleSlider(number.coerceIn(1, 5), 1, 5, label = { "$it of 5" }) { number = it }
            Button(onClick = { vm.rate(number.coerceIn(1, 5)) }) { Text("Next") }
        }
        SessionScreen.FollowUp -> {
            Text("What next?", style = MaterialTheme.typography.headlineSmall)
            listOf(
                FollowUpChoice.SESSION_TOMORROW to "Another session tomorrow",
                FollowUpChoice.MESSAGE_THERAPIST to "Write to my therapist",
                FollowUpChoice.BOOK_CALL to "Book a short call",
                FollowUpChoice.NOTHING to "Nothing for now",
            ).forEach { (choice, label) -> OutlinedButton(onClick = { vm.followUp(choice) }, Modifier.fillMaxWidth()) { Text(label) } }
        }
        is SessionScreen.Done -> {
            Text("Session complete. Well done.", style = MaterialTheme.typography.headlineSmall)
            Button(onClick = { vm.closeSession() }) { Text("Back to today") }
        }
    }
}

@Composable
fun ScaleSlider(value: Int, min: Int, max: Int, label: (Int) -> String, onChange: (Int) -> Unit) {
    var v by remember(value) { mutableFloatStateOf(value.toFloat()) }
    Text(label(v.toInt()), style = MaterialTheme.typography.titleLarge)
    Slider(
        value = v,
        onValueChange = { v = it; onChange(it.toInt()) },
        valueRange = min.toFloat()..max.toFloat(),
        steps = (max - min - 1).coerceAtLeast(0),
        modifier = Modifier.semantics { stateDescription = label(v.toInt()) },
    )
}

/** A paced timer; "Done" may end it early (the core records the seconds actually spent). */
@Composable
private fun TimedStep(total: Int, onDone: (Int) -> Unit) {
    var elapsed by remember { mutableIntStateOf(0) }
    LaunchedEffect(total) {
        while (elapsed < total) {
            delay(1000)
            elapsed += 1
        }
    }
    Text("${total - elapsed} s", style = MaterialTheme.typography.displaySmall,
        modifier = Modifier.semantics { contentDescription = "${total - elapsed} seconds left" })
    Button(onClick = { onDone(elapsed) }) { Text(if (elapsed >= total) "Next" else "Done") }
}
