// Through the repository the shells use, against a real server: every submit takes
// the phone's fix from the platform's location source (an inspection and a hazard
// here; reports in ReportPointsTest), and the server's console shows it; and the
// template picker offers only the newest checklists that may still start, so a
// template the city retired is gone from it, refused if started anyway, and still
// readable for history.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.EntityKind
import cn.gridfield.ffi.GeoPoint
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.NewHazard
import cn.gridfield.ffi.Severity
import cn.gridfield.ffi.VisitWindow
import cn.gridfield.ffi.YesNoNa
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class SubmitLocationTemplateTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-submit-location")
    private val bg = ExecutorBackground()
    private val opened = mutableListOf<GridfieldRepository>()

    @After
    fun cleanUp() {
        opened.forEach { it.close() }
        server.close()
        phones.deleteRecursively()
    }

    private fun worker(): GridfieldRepository = blocking {
        GridfieldRepository.enroll(File(phones, "张伟").path, FixedKey(), bg, server.url, server.codes.getValue("张伟"), "张伟的手机")
    }.also { opened += it }

    private fun sync(repo: GridfieldRepository) {
        val state = blocking { repo.syncController().syncNow() }
        assertTrue("sync failed: $state", state is SyncState.Succeeded)
    }

    private fun console(): ConsoleClient {
        server.consoleUser("测试主管", "supervisor", "320583001001", "测试口令-2026-abc")
        return ConsoleClient(server.url, "测试主管", "测试口令-2026-abc")
    }

    @Test
    fun anInspectionAndAHazardCarryThePhonesFixToTheServer() {
        val w = worker()
        sync(w)
        val fix = GeoPoint(31.38561, 120.98127, 12.4, 1_796_608_800_000L)
        w.locationSource = LocationSource { fix }

        val visit = blocking { w.visitsDue(VisitWindow.TODAY) }.first { it.kind == EntityKind.HOUSEHOLD }
        val runner = blocking { w.startChecklist(visit.templateId, visit.addressCode, visit.kind, visit.entityId) }
        blocking {
            runner.answer("residents_present", Answer.YesNoNa(YesNoNa.YES))
            runner.answer("population_change", Answer.Choice("none"))
            runner.submit()
        }
        assertEquals(fix, blocking { w.inspection(runner.inspectionId) }.location)

        val hazardId = blocking {
            w.reportHazard(NewHazard(visit.addressCode, "fire.escape_blocked", Severity.MEDIUM, "楼道堆放纸箱", emptyList(), null))
        }
        assertEquals(fix, blocking { w.hazard(hazardId) }.hazard.location)
        // A phone without a fix records none and is never held up.
        w.locationSource = LocationSource.NONE
        val bare = blocking {
            w.reportHazard(NewHazard(visit.addressCode, "fire.escape_blocked", Severity.LOW, "无定位", emptyList(), null))
        }
        assertEquals(null, blocking { w.hazard(bare) }.hazard.location)
        sync(w)

        val c = console()
        for (page in listOf("/console/inspections/${runner.inspectionId}", "/console/hazards/$hazardId")) {
            val html = c.get(page)
            assertTrue("$page: no fix", html.contains("31.38561, 120.98127"))
            assertTrue("$page: no accuracy", html.contains("精度约 12 米"))
        }
        assertFalse(c.get("/console/hazards/$bare").contains("31.38561"))
    }

    @Test
    fun aRetiredTemplateLeavesThePickerAndCannotStart() {
        val w = worker()
        sync(w)
        val visit = blocking { w.visitsDue(VisitWindow.WEEK) }.first { it.kind == EntityKind.HOUSEHOLD }
        val before = blocking { w.templatesAt(visit.addressCode) }
        val household = before.single { it.id == "household_visit" }
        assertTrue(household.startable)
        assertEquals(null, household.retiredAt)
        // Only what fits the address: no business checklist at a household.
        assertTrue(before.none { it.businessKinds.isNotEmpty() && it.id == "homestay_safety" })
        // The business checklists name their kinds, labelled.
        val homestay = blocking { w.templates() }.first { it.id == "homestay_safety" }
        assertEquals(listOf("homestay"), homestay.businessKinds)
        assertEquals(listOf("民宿"), homestay.businessKindLabels)

        server.admin("template", "retire", "household_visit")
        sync(w)
        val after = blocking { w.templatesAt(visit.addressCode) }
        assertTrue("$after", after.none { it.id == "household_visit" })
        try {
            blocking { w.startChecklist("household_visit", visit.addressCode, visit.kind, visit.entityId) }
            fail("a retired checklist started")
        } catch (e: GridfieldException) {
            assertTrue(e.toString(), e.toString().contains("inspection.template_retired") || (e.message ?: "").contains("停用"))
        }
        // History still reads it.
        val kept = blocking { w.templates() }.filter { it.id == "household_visit" }
        assertTrue(kept.isNotEmpty())
        assertTrue(kept.all { !it.startable && it.retiredAt != null })
        assertNotNull(blocking { w.inspections() })
    }
}
