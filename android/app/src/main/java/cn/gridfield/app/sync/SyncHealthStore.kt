// What the background worker leaves behind for the sync screen: when a background
// round last ran, when the periodic work was scheduled, and why the system stopped
// the last one. BackgroundHealth (JVM layer) judges from these whether a battery
// manager is blocking sync. Timestamps and a stop-reason number only, no personal data.
package cn.gridfield.app.sync

import android.content.Context
import androidx.core.content.edit
import cn.gridfield.data.BackgroundBlock
import cn.gridfield.data.BackgroundHealth

class SyncHealthStore(context: Context) {
    private val prefs = context.applicationContext.getSharedPreferences("gridfield.sync.health", Context.MODE_PRIVATE)

    fun periodicScheduled(now: Long = System.currentTimeMillis()) {
        if (!prefs.contains(SCHEDULED_AT)) prefs.edit { putLong(SCHEDULED_AT, now) }
    }

    /** A background round ran to its end (whatever the server said). */
    fun ran(now: Long = System.currentTimeMillis()) = prefs.edit {
        putLong(LAST_RUN_AT, now)
        remove(STOP_REASON)
    }

    /** WorkManager stopped the round ([reason]: `WorkInfo.STOP_REASON_*`). */
    fun stopped(reason: Int) = prefs.edit { putInt(STOP_REASON, reason) }

    fun assess(now: Long = System.currentTimeMillis()): BackgroundBlock = BackgroundHealth.assess(
        now,
        prefs.getLong(LAST_RUN_AT, 0).takeIf { it > 0 },
        prefs.getLong(SCHEDULED_AT, 0).takeIf { it > 0 },
        if (prefs.contains(STOP_REASON)) prefs.getInt(STOP_REASON, 0) else null,
    )

    private companion object {
        const val LAST_RUN_AT = "last_run_at"
        const val SCHEDULED_AT = "scheduled_at"
        const val STOP_REASON = "stop_reason"
    }
}
