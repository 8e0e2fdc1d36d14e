package app.solace.android.widget

import android.content.Context
import androidx.compose.ui.unit.dp
import androidx.glance.GlanceId
import androidx.glance.GlanceModifier
import androidx.glance.appwidget.GlanceAppWidget
import androidx.glance.appwidget.GlanceAppWidgetReceiver
import androidx.glance.appwidget.provideContent
import androidx.glance.layout.Column
import androidx.glance.layout.padding
import androidx.glance.text.Text
import app.solace.android.SolaceApp
import app.solace.ffi.TodaySnapshot

/**
 * Home-screen widget (Jetpack Glance) over the core's `Solace.today()` snapshot. Discreet by
 * design: it shows only numbers and the person's own habit names — no notes — and nothing at
 * all while the app is locked (then it invites opening the app).
 */
class TodayWidget : GlanceAppWidget() {
    override suspend fun provideGlance(context: Context, id: GlanceId) {
        val app = context.applicationContext as SolaceApp
        // Only while the app holds an unlocked store; a locked app shows no data.
        val snapshot: TodaySnapshot? = app.lock.solace?.let { runCatching { it.today(null) }.getOrNull() }
        provideContent {
            Column(modifier = GlanceModifier.padding(12.dp)) {
                if (snapshot == null) {
                    Text("Open Solace to see today")
                } else {
                    Text(
                        snapshot.lastMood?.let { if (snapshot.checkedInToday) "Mood ${it.mood} today" else "Check in today" }
                            ?: "Check in today",
                    )
                    Text("Sessions: ${snapshot.sessionStreakDays} in a row")
                    snapshot.habits.take(3).forEach { habit ->
                        Text((if (habit.doneToday) "✓ " else "· ") + habit.name)
                    }
                    snapshot.nextReminder?.let { Text("Next reminder $it") }
                }
            }
        }
    }
}

/** Registers [TodayWidget] with the launcher (declared in the manifest). */
class TodayWidgetReceiver : GlanceAppWidgetReceiver() {
    override val glanceAppWidget: GlanceAppWidget = TodayWidget()
}
