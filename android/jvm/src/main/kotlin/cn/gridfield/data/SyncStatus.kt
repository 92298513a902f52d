// What the sync-status screen tells the worker, decided here rather than in a
// composable so the JDK tests check it: what is waiting, what went wrong (the
// core's own sentence), and what the worker can do about it. The shells only map
// the typed problem and actions to their string resources.
package cn.gridfield.data

import cn.gridfield.ffi.Diagnostics
import cn.gridfield.ffi.Lang

/** Why background sync looks blocked on this phone. */
sealed class BackgroundBlock {
    data object None : BackgroundBlock()

    /** No background round for [hours] hours although one is scheduled hourly. */
    data class Late(val hours: Long) : BackgroundBlock()

    /** The system stopped the last background round (battery saver, standby bucket…). */
    data class StoppedBySystem(val stopReason: Int) : BackgroundBlock()
}

object BackgroundHealth {
    // WorkInfo.STOP_REASON_* (the same values as JobParameters'), for the JVM side.
    const val STOP_REASON_DEVICE_STATE = 4
    const val STOP_REASON_QUOTA = 10
    const val STOP_REASON_BACKGROUND_RESTRICTION = 11
    const val STOP_REASON_APP_STANDBY = 12

    private const val HOUR_MS = 3_600_000L

    /** Doze windows stretch an hourly job; six hours without one is not Doze. */
    const val LATE_AFTER_MS = 6 * HOUR_MS

    private val batteryStops = setOf(
        STOP_REASON_DEVICE_STATE, STOP_REASON_QUOTA, STOP_REASON_BACKGROUND_RESTRICTION, STOP_REASON_APP_STANDBY,
    )

    /**
     * [lastRunAt]: when a background round last ran (null: never); [scheduledAt]: when
     * the periodic work was first scheduled; [lastStopReason]: WorkManager's reason
     * for stopping the last background round, if it was stopped.
     */
    fun assess(nowMs: Long, lastRunAt: Long?, scheduledAt: Long?, lastStopReason: Int?): BackgroundBlock {
        if (lastStopReason != null && lastStopReason in batteryStops) return BackgroundBlock.StoppedBySystem(lastStopReason)
        val since = lastRunAt ?: scheduledAt ?: return BackgroundBlock.None
        val idle = nowMs - since
        return if (idle > LATE_AFTER_MS) BackgroundBlock.Late(idle / HOUR_MS) else BackgroundBlock.None
    }
}

/** What is wrong, in one word the screen turns into a sentence of its own. */
enum class SyncProblem {
    NONE,

    /** No network on the phone. */
    OFFLINE,

    /** The phone is online but the server was not reached or was busy. */
    SERVER_UNREACHABLE,

    /** The server found this enrollment in use on another phone (a copied phone). */
    CLONED,

    /** The server refused something it will keep refusing (token, version): ask for help. */
    REFUSED,

    /** The app is older than the server or the store needs. */
    UPDATE_REQUIRED,
}

/** What the worker can do from the sync screen. */
enum class SyncAction {
    RETRY_NOW,
    CONNECT_NETWORK,

    /** Open the phone maker's autostart / battery settings (Android). */
    ALLOW_BACKGROUND,

    /** Enter a new enrollment code from the supervisor, keeping everything on the phone. */
    REENROLL,

    /** Ask the supervisor (nothing on the phone can fix it). */
    ASK_SUPERVISOR,
    UPDATE_APP,
}

data class SyncStatus(
    /** Changes on this phone not yet on the server. */
    val waiting: Long,
    val photosPending: Long,
    val lastSuccess: Long?,
    /** The last failure as the core words it, in the asked language; null when the last round succeeded. */
    val lastError: String?,
    val problem: SyncProblem,
    val background: BackgroundBlock,
    val actions: List<SyncAction>,
)

/** Builds the sync screen's content from the core's diagnostics and the current round. */
fun syncStatus(
    diagnostics: Diagnostics,
    state: SyncState,
    online: Boolean,
    background: BackgroundBlock,
    lang: Lang,
): SyncStatus {
    val failure = diagnostics.lastError?.takeIf { e -> diagnostics.lastSuccess == null || e.at > diagnostics.lastSuccess!! }
    val code = (state as? SyncState.Failed)?.code ?: failure?.code
    val problem = when {
        diagnostics.needsReenroll || code == DEVICE_CLONED -> SyncProblem.CLONED
        code == null -> if (!online && diagnostics.queueDepth > 0uL) SyncProblem.OFFLINE else SyncProblem.NONE
        code in updateCodes -> SyncProblem.UPDATE_REQUIRED
        state is SyncState.Failed && !state.retryable -> SyncProblem.REFUSED
        !online -> SyncProblem.OFFLINE
        code in retryableCodes || (state as? SyncState.Failed)?.retryable == true -> SyncProblem.SERVER_UNREACHABLE
        else -> SyncProblem.REFUSED
    }
    val actions = buildList {
        when (problem) {
            SyncProblem.NONE -> add(SyncAction.RETRY_NOW)
            SyncProblem.OFFLINE -> { add(SyncAction.CONNECT_NETWORK); add(SyncAction.RETRY_NOW) }
            SyncProblem.SERVER_UNREACHABLE -> add(SyncAction.RETRY_NOW)
            SyncProblem.CLONED -> add(SyncAction.REENROLL)
            SyncProblem.REFUSED -> { add(SyncAction.ASK_SUPERVISOR); add(SyncAction.RETRY_NOW) }
            SyncProblem.UPDATE_REQUIRED -> add(SyncAction.UPDATE_APP)
        }
        if (background != BackgroundBlock.None && problem != SyncProblem.CLONED) add(SyncAction.ALLOW_BACKGROUND)
    }
    val message = when {
        state is SyncState.Failed -> if (lang == Lang.EN) state.reasonEn else state.reason
        failure != null -> if (lang == Lang.EN) failure.reasonEn else failure.reason
        else -> null
    }
    return SyncStatus(
        waiting = diagnostics.queueDepth.toLong(),
        photosPending = diagnostics.pendingPhotos.toLong(),
        lastSuccess = diagnostics.lastSuccess,
        lastError = message,
        problem = problem,
        background = background,
        actions = actions,
    )
}

/** The server's code for an enrollment used by a second installation. */
const val DEVICE_CLONED = "device_cloned"

/** Failures that pass by themselves (the last error's code, when no round is on screen). */
private val retryableCodes = setOf("network", "rate_limited", "server_error", "sync_in_progress")

/** The server speaks a newer wire version, or the store is from a newer app. */
private val updateCodes = setOf("upgrade_required", "schema_too_new")
