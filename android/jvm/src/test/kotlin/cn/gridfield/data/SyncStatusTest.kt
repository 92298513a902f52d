// The sync screen's content and the "background sync is blocked" check, from the
// core's diagnostics records: what is waiting, the core's sentence for the last
// failure, and what the worker is offered.
package cn.gridfield.data

import cn.gridfield.ffi.Diagnostics
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.SyncErrorInfo
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test

class SyncStatusTest {
    private val hour = 3_600_000L
    private val now = 1_800_000_000_000L

    private fun diagnostics(queue: Long = 0, lastSuccess: Long? = null, error: SyncErrorInfo? = null, cloned: Boolean = false) =
        Diagnostics(true, "https://gf.example", "dev-1", queue.toULong(), 2uL, lastSuccess, error, 0, cloned)

    private val offline = SyncErrorInfo("network", "无法连接服务器", "Cannot reach the server", now - hour)

    @Test
    fun backgroundSyncBlockedIsDetected() {
        assertEquals(BackgroundBlock.None, BackgroundHealth.assess(now, now - 2 * hour, now - 100 * hour, null))
        assertEquals(BackgroundBlock.Late(30), BackgroundHealth.assess(now, now - 30 * hour, now - 100 * hour, null))
        // Never ran since it was scheduled a day ago.
        assertEquals(BackgroundBlock.Late(24), BackgroundHealth.assess(now, null, now - 24 * hour, null))
        assertEquals(BackgroundBlock.None, BackgroundHealth.assess(now, null, null, null))
        // The system stopped the last run for battery reasons: blocked even if recent.
        assertEquals(
            BackgroundBlock.StoppedBySystem(BackgroundHealth.STOP_REASON_BACKGROUND_RESTRICTION),
            BackgroundHealth.assess(now, now - hour, now - 100 * hour, BackgroundHealth.STOP_REASON_BACKGROUND_RESTRICTION),
        )
        // Lost connectivity (7) is not the battery manager.
        assertEquals(BackgroundBlock.None, BackgroundHealth.assess(now, now - hour, now - 100 * hour, 7))
    }

    @Test
    fun theScreenSaysWhatWaitsWhatFailedAndWhatToDo() {
        val idle = SyncState.Idle(3)
        val fine = syncStatus(diagnostics(lastSuccess = now), idle, online = true, BackgroundBlock.None, Lang.ZH)
        assertEquals(SyncProblem.NONE, fine.problem)
        assertNull(fine.lastError)
        assertEquals(listOf(SyncAction.RETRY_NOW), fine.actions)

        val noNet = syncStatus(diagnostics(queue = 3, lastSuccess = now - 5 * hour, error = offline), idle, false, BackgroundBlock.None, Lang.ZH)
        assertEquals(SyncProblem.OFFLINE, noNet.problem)
        assertEquals(3, noNet.waiting)
        assertEquals(2, noNet.photosPending)
        assertEquals("无法连接服务器", noNet.lastError)
        assertEquals(listOf(SyncAction.CONNECT_NETWORK, SyncAction.RETRY_NOW), noNet.actions)

        val unreachable = syncStatus(diagnostics(queue = 3, error = offline), idle, true, BackgroundBlock.Late(8), Lang.EN)
        assertEquals(SyncProblem.SERVER_UNREACHABLE, unreachable.problem)
        assertEquals("Cannot reach the server", unreachable.lastError)
        assertEquals(listOf(SyncAction.RETRY_NOW, SyncAction.ALLOW_BACKGROUND), unreachable.actions)

        // An old error followed by a success is not shown.
        assertNull(syncStatus(diagnostics(lastSuccess = now, error = offline), idle, true, BackgroundBlock.None, Lang.ZH).lastError)

        val refused = SyncState.Failed("unauthorized", "服务器拒绝了本设备", "The server refused this device", false, 1)
        val help = syncStatus(diagnostics(queue = 1), refused, true, BackgroundBlock.None, Lang.ZH)
        assertEquals(SyncProblem.REFUSED, help.problem)
        assertEquals(listOf(SyncAction.ASK_SUPERVISOR, SyncAction.RETRY_NOW), help.actions)

        val copy = syncStatus(diagnostics(queue = 1, cloned = true), idle, true, BackgroundBlock.Late(8), Lang.ZH)
        assertEquals(SyncProblem.CLONED, copy.problem)
        assertEquals(listOf(SyncAction.REENROLL), copy.actions)

        val old = SyncErrorInfo("upgrade_required", "请更新应用", "Please update the app", now)
        assertEquals(listOf(SyncAction.UPDATE_APP), syncStatus(diagnostics(error = old), idle, true, BackgroundBlock.None, Lang.ZH).actions)
    }
}
