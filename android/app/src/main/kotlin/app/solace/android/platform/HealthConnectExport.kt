package app.solace.android.platform

import android.content.Context
import androidx.health.connect.client.HealthConnectClient
import androidx.health.connect.client.records.MindfulnessSessionRecord
import androidx.health.connect.client.records.metadata.Metadata
import app.solace.ffi.MindfulnessType
import app.solace.ffi.Sessions
import java.time.OffsetDateTime

/**
 * Opt-in export of finished micro-sessions to Health Connect as mindfulness sessions. What is
 * written is decided in the core (`Sessions.mindfulnessSession`): start, end, breathing or
 * meditation, and the technique's public name — never the person's answers. Off until the
 * person turns it on in Settings (and grants the write permission); nothing is read back.
 */
class HealthConnectExport(private val context: Context) {
    private val client by lazy { HealthConnectClient.getOrCreate(context) }

    /** Whether Health Connect is installed and usable on this device. */
    fun available(): Boolean =
        HealthConnectClient.getSdkStatus(context) == HealthConnectClient.SDK_AVAILABLE

    /** Writes the finished session [id] (does nothing while it is unfinished). */
    suspend fun export(sessions: Sessions, id: String) {
        val session = sessions.mindfulnessSession(id) ?: return
        val start = OffsetDateTime.parse(session.start)
        val end = OffsetDateTime.parse(session.end)
        val record = MindfulnessSessionRecord(
            startTime = start.toInstant(),
            startZoneOffset = start.offset,
            endTime = end.toInstant(),
            endZoneOffset = end.offset,
            mindfulnessSessionType = when (session.kind) {
                MindfulnessType.BREATHING -> MindfulnessSessionRecord.MINDFULNESS_SESSION_TYPE_BREATHING
                MindfulnessType.MEDITATION -> MindfulnessSessionRecord.MINDFULNESS_SESSION_TYPE_MEDITATION
            },
            title = session.title,
            metadata = Metadata.manualEntry(),
        )
        client.insertRecords(listOf(record))
    }
}
