// The background sync policy against a real gridfield-server: a write made while a
// round is running gets a round of its own (never absorbed and dropped), WorkManager
// is told to append rather than keep when a round is running, failures are retried
// or stopped as they should be, and a copied phone is told to re-enroll and does,
// losing nothing.
package cn.gridfield.data

import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.SyncPhase
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference

class SyncPolicyTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-policy")
    private val bg = ExecutorBackground()
    private val opened = mutableListOf<GridfieldRepository>()

    @After
    fun cleanUp() {
        opened.forEach { runCatching { it.close() } }
        server.close()
        phones.deleteRecursively()
    }

    private fun enroll(name: String, key: FixedKey = FixedKey()): GridfieldRepository = blocking {
        GridfieldRepository.enroll(File(phones, name).path, key, bg, server.url, server.codes.getValue(name), "${name}的手机")
    }.also { opened += it }

    private fun addressOf(repo: GridfieldRepository): String {
        val plate = server.signPlates("320583001001").first()
        return (blocking { repo.scanPlate(plate) } as PlateVerdict.Genuine).address.address.code
    }

    @Test
    fun aWriteDuringARunningRoundSchedulesAnotherRound() {
        val volunteer = enroll("王芳")
        val sync = volunteer.syncController()
        val first = blocking { sync.syncNow() }
        assertTrue("first sync: $first", first is SyncState.Succeeded)
        assertEquals("nothing was written: done", WorkStep.DONE, sync.nextStep(first, round = 1))
        val address = addressOf(volunteer)

        // A write between rounds: the next round covers it.
        blocking { volunteer.fileReport(address, "楼道堆放杂物", emptyList()) }
        val before = sync.requestRound()
        assertTrue(sync.needsRound(before))
        val second = blocking { sync.syncNow() } as SyncState.Succeeded
        assertEquals(1uL, second.report.pushed)
        assertFalse("the round that started after the write covers it", sync.needsRound(before))
        assertEquals(WorkStep.DONE, sync.nextStep(second, round = 1))

        // The next round has nothing to push; while it pulls, the volunteer files a
        // report. The old rule ("go again only if the round pushed something") would
        // end here and leave the report until the hourly job.
        val during = AtomicReference<SyncRequest?>(null)
        val writer = AtomicReference<Thread?>(null)
        val runningSeen = AtomicReference<Boolean?>(null)
        sync.state.subscribe { s ->
            if (s is SyncState.Running && s.progress?.phase == SyncPhase.PULL && writer.get() == null) {
                val t = Thread {
                    blocking { volunteer.fileReport(address, "消防通道被电动车堵住", emptyList()) }
                    during.set(sync.requestRound())
                }
                if (writer.compareAndSet(null, t)) {
                    t.start()
                    t.join(TimeUnit.SECONDS.toMillis(30))
                    // What the scheduler sees now: the worker's round is running.
                    runningSeen.set(sync.roundRunning)
                }
            }
        }
        val third = blocking { sync.syncNow() } as SyncState.Succeeded
        val late = requireNotNull(during.get()) { "the write during the round did not finish during it" }
        assertEquals(true, runningSeen.get())
        assertEquals("nothing was queued when the round pushed", 0uL, third.report.pushed)
        assertEquals("the report filed during the round is still queued", 1L, third.pending)
        assertTrue("the write during the round needs a round of its own", sync.needsRound(late))
        assertEquals(WorkStep.AGAIN, sync.nextStep(third, round = 1))
        assertEquals("the last allowed round hands back to WorkManager", WorkStep.RETRY_LATER, sync.nextStep(third, round = 3))

        val fourth = blocking { sync.syncNow() } as SyncState.Succeeded
        assertEquals(1uL, fourth.report.pushed)
        assertEquals(0L, fourth.pending)
        assertFalse(sync.needsRound(late))
        assertEquals(WorkStep.DONE, sync.nextStep(fourth, round = 2))
        assertEquals(2, blocking { volunteer.reports() }.size)
    }

    @Test
    fun workManagerAppendsAfterARunningRoundAndKeepsAWaitingOne() {
        // KEEP alone would drop a write made while the last round finishes.
        assertEquals(EnqueuePolicy.APPEND_AFTER_RUNNING, SyncTrigger.enqueuePolicy(listOf(ScheduledWork.RUNNING)))
        // A round chained after the running one, not started yet, reads the whole outbox.
        assertEquals(EnqueuePolicy.KEEP_WAITING, SyncTrigger.enqueuePolicy(listOf(ScheduledWork.RUNNING, ScheduledWork.WAITING)))
        assertEquals(EnqueuePolicy.KEEP_WAITING, SyncTrigger.enqueuePolicy(listOf(ScheduledWork.WAITING)))
        assertEquals(EnqueuePolicy.KEEP_WAITING, SyncTrigger.enqueuePolicy(listOf(ScheduledWork.NONE)))
        assertEquals(EnqueuePolicy.KEEP_WAITING, SyncTrigger.enqueuePolicy(emptyList()))

        // A request from a process that died is covered by the first round that succeeds here.
        val trigger = SyncTrigger("this-process")
        val old = SyncRequest("earlier-process", 7)
        assertTrue(trigger.needsRound(old))
        val failed = trigger.roundStarting()
        trigger.roundFinished(failed, succeeded = false)
        assertTrue("a failed round covers nothing", trigger.needsRound(old))
        val mine = trigger.localWrite()
        val ok = trigger.roundStarting()
        assertFalse(trigger.roundFinished(ok, succeeded = true))
        assertFalse(trigger.needsRound(old))
        assertFalse(trigger.needsRound(mine))
        assertTrue("no request: run", trigger.needsRound(null))
    }

    @Test
    fun retryWhileTheNetworkIsTheProblemStopWhenTheServerRefuses() {
        fun sync(status: Int, code: String = "x") = GridfieldException.Sync(code, "原因", "reason", status.toUShort())
        assertTrue("no network", SyncController.retryable(sync(0, "network")))
        assertFalse("not enrolled", SyncController.retryable(sync(0, "not_enrolled")))
        assertTrue("busy", SyncController.retryable(sync(429)))
        assertTrue("server error", SyncController.retryable(sync(503)))
        assertFalse("refused token", SyncController.retryable(sync(401)))
        assertFalse("copied phone", SyncController.retryable(sync(409, DEVICE_CLONED)))

        val volunteer = enroll("王芳")
        val sync = volunteer.syncController()
        assertTrue(blocking { sync.syncNow() } is SyncState.Succeeded)
        blocking { volunteer.fileReport(addressOf(volunteer), "路灯不亮", emptyList()) }
        val request = sync.requestRound()
        server.stop()
        val offline = blocking { sync.syncNow() }
        assertTrue("offline: $offline", offline is SyncState.Failed && offline.retryable)
        assertEquals(WorkStep.RETRY_LATER, sync.nextStep(offline, round = 1))
        assertTrue("a failed round leaves the write asking", sync.needsRound(request))
        assertEquals(WorkStep.RETRY_LATER, sync.nextStep(SyncState.Cancelled(1), round = 1))
        assertEquals(
            "another round (the sync screen's) was running: come back, don't drop it",
            WorkStep.RETRY_LATER, sync.nextStep(SyncState.Running(null, 1), round = 1),
        )
        val refused = SyncState.Failed("unauthorized", "原因", "reason", retryable = false, pending = 1)
        assertEquals(WorkStep.STOP, sync.nextStep(refused, round = 1))
    }

    @Test
    fun aCopiedPhoneIsToldToReenrollAndKeepsItsQueue() {
        val key = FixedKey()
        val first = enroll("王芳", key)
        assertTrue(blocking { first.syncController().syncNow() } is SyncState.Succeeded)
        val address = addressOf(first)
        // The app closed, and its data directory copied to a second phone (same key:
        // a restored backup); the original phone opens it again.
        first.close()
        opened.remove(first)
        val copyDir = File(phones, "copy")
        File(phones, "王芳").copyRecursively(copyDir)
        val original = blocking { GridfieldRepository.open(File(phones, "王芳").path, key, bg) }.also { opened += it }
        val copy = blocking { GridfieldRepository.open(copyDir.path, key, bg) }.also { opened += it }

        blocking { original.fileReport(address, "原手机上报", emptyList()) }
        blocking { copy.fileReport(address, "复制的手机上报", emptyList()) }
        assertTrue(blocking { original.syncController().syncNow() } is SyncState.Succeeded)
        val copySync = copy.syncController()
        val refused = blocking { copySync.syncNow() }
        assertTrue("copy: $refused", refused is SyncState.Failed && refused.cloned && !refused.retryable)
        assertEquals(WorkStep.STOP, copySync.nextStep(refused, round = 1))

        val status = syncStatus(blocking { copy.diagnostics() }, refused, online = true, BackgroundBlock.None, Lang.ZH)
        assertEquals(SyncProblem.CLONED, status.problem)
        assertEquals(listOf(SyncAction.REENROLL), status.actions)
        assertEquals("what the copy wrote is still queued", 1L, status.waiting)
        assertTrue(status.lastError!!, status.lastError!!.contains("重新注册"))

        // The re-enroll form: a new code for the same person, and the queue goes up.
        copy.close()
        opened.remove(copy)
        val code = server.enrollCode("王芳", "volunteer", server.grids.getValue("王芳"))
        val again = blocking { GridfieldRepository.reenroll(copyDir.path, key, bg, code, "王芳的新手机") }.also { opened += it }
        val after = blocking { again.syncController().syncNow() }
        assertTrue("after re-enrolling: $after", after is SyncState.Succeeded && after.report.pushed == 1uL && after.pending == 0L)
        assertEquals(SyncProblem.NONE, syncStatus(blocking { again.diagnostics() }, after, true, BackgroundBlock.None, Lang.ZH).problem)
    }
}
