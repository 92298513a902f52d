// The visit plan (走访计划) through the generated bindings against a real
// gridfield-server (demo district, which seeds rules and a history of visits):
// the worker's phone lists what is due offline, in walking order, and a visit
// submitted on the phone takes its item off the list at once, before any sync.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.EntityKind
import cn.gridfield.ffi.VisitBucket
import cn.gridfield.ffi.VisitWindow
import cn.gridfield.ffi.YesNoNa
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class VisitPlanTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-visit-phones")
    private val bg = ExecutorBackground()
    private val opened = mutableListOf<GridfieldRepository>()

    @After
    fun cleanUp() {
        opened.forEach { it.close() }
        server.close()
        phones.deleteRecursively()
    }

    @Test
    fun theDueListIsOfflineInWalkingOrderAndASubmittedVisitLeavesIt() {
        val worker = blocking {
            GridfieldRepository.enroll(File(phones, "张伟").path, FixedKey(), bg, server.url, server.codes.getValue("张伟"), "张伟的手机")
        }.also { opened += it }
        val state = blocking { worker.syncController().syncNow() }
        assertTrue("sync failed: $state", state is SyncState.Succeeded)

        val due = blocking { worker.visitsDue(VisitWindow.TODAY) }
        assertTrue("overdue visits: $due", due.any { it.bucket == VisitBucket.OVERDUE })
        assertTrue("visits due today: $due", due.any { it.bucket == VisitBucket.TODAY })
        assertTrue(due.all { it.bucket == VisitBucket.OVERDUE || it.bucket == VisitBucket.TODAY })
        assertEquals("逾期", due.first { it.bucket == VisitBucket.OVERDUE }.bucketLabel)
        // The demo's address codes are zero-padded street number, building, unit and
        // room: walking order is their order.
        val codes = due.map { it.addressCode }
        assertEquals(codes.sorted(), codes)
        val week = blocking { worker.visitsDue(VisitWindow.WEEK) }
        assertTrue(week.size >= due.size)

        // Visit one household, offline: it leaves the list at once.
        val visit = due.first { it.kind == EntityKind.HOUSEHOLD }
        assertEquals("household_visit", visit.templateId)
        val runner = blocking { worker.startChecklist(visit.templateId, visit.addressCode, visit.kind, visit.entityId) }
        blocking {
            runner.answer("residents_present", Answer.YesNoNa(YesNoNa.YES))
            runner.answer("population_change", Answer.Choice("none"))
            runner.submit()
        }
        val after = blocking { worker.visitsDue(VisitWindow.TODAY) }
        assertFalse(after.any { it.entityId == visit.entityId })
        assertEquals(due.size - 1, after.size)
        val there = blocking { worker.visitsAt(visit.addressCode) }.single { it.entityId == visit.entityId }
        assertEquals(VisitBucket.LATER, there.bucket)
        assertFalse(there.neverVisited)
    }
}
