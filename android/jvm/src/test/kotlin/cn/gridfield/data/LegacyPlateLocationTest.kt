// Through the generated bindings against a real gridfield-server (demo district):
// a plate installed before Gridfield, mapped by the city's import, resolves offline
// as "未签名的旧门牌" (never genuine) on a phone whose grid holds it, and not on
// another grid's; and a location with accuracy and fix time passes through the FFI
// with a hazard and a report and comes back unchanged.
package cn.gridfield.data

import cn.gridfield.ffi.GeoPoint
import cn.gridfield.ffi.NewHazard
import cn.gridfield.ffi.NewReport
import cn.gridfield.ffi.PlateVerdictKind
import cn.gridfield.ffi.Severity
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class LegacyPlateLocationTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-legacy-phones")
    private val bg = ExecutorBackground()
    private val opened = mutableListOf<GridfieldRepository>()

    @After
    fun cleanUp() {
        opened.forEach { it.close() }
        server.close()
        phones.deleteRecursively()
    }

    private fun enroll(name: String): GridfieldRepository = blocking {
        GridfieldRepository.enroll(File(phones, name).path, FixedKey(), bg, server.url, server.codes.getValue(name), "${name}的手机")
    }.also { opened += it }

    private fun sync(repo: GridfieldRepository) {
        val state = blocking { repo.syncController().syncNow() }
        assertTrue("sync failed: $state", state is SyncState.Succeeded)
    }

    @Test
    fun aLegacyPlateResolvesOfflineAsUnsignedOnlyInItsGrid() {
        // Grid 一 (张伟's) and grid 二 each get one mapping.
        server.importLegacy("KS-OLD-0023,320583-001-0023-00-00-0000\nKS-OLD-0043,320583-001-0043-00-00-0000\n")
        val worker = enroll("张伟")
        sync(worker)

        val v = blocking { worker.scanPlate(" KS-OLD-0023\n") }
        assertTrue("$v", v is PlateVerdict.Legacy)
        v as PlateVerdict.Legacy
        assertEquals(PlateVerdictKind.LEGACY, v.scan.verdict)
        assertEquals("未签名的旧门牌", v.scan.verdictText)
        assertFalse(v.scan.verified)
        assertEquals(null, v.scan.rejectionCode)
        assertEquals("320583-001-0023-00-00-0000", v.scan.plate!!.addressCode)
        assertNotNull("the address is on this phone", v.address)

        // Grid 二's mapping never reached this phone; an unknown text is not a plate.
        val other = blocking { worker.scanPlate("KS-OLD-0043") }
        assertTrue("$other", other is PlateVerdict.Forged)
        assertEquals("plate_not_a_plate", (other as PlateVerdict.Forged).code)
    }

    @Test
    fun aLocationWithAccuracyAndFixTimePassesThroughTheFfi() {
        val worker = enroll("张伟")
        sync(worker)
        val fix = GeoPoint(31.3856, 120.9812, 12.5, 1_796_608_800_000L)
        val hazardId = worker.store.createHazard(
            NewHazard(
                addressCode = "320583-001-0023-00-00-0000",
                category = "fire.escape_blocked",
                severity = Severity.HIGH,
                description = "楼道堆放杂物",
                photos = emptyList(),
                deadline = null,
                location = fix,
            ),
        )
        assertEquals(fix, worker.store.hazard(hazardId).hazard.location)
        // No fix (a phone without permission): recorded as none, never waited for.
        val noFix = worker.store.createHazard(
            NewHazard("320583-001-0023-00-00-0000", "fire.escape_blocked", Severity.LOW, "无定位", emptyList(), null),
        )
        assertEquals(null, worker.store.hazard(noFix).hazard.location)

        val reportId = worker.store.fileReport(
            NewReport("320583-001-0023-00-00-0000", null, "楼道灯坏了", emptyList(), GeoPoint(31.3857, 120.9813)),
        )
        val report = worker.store.reports().single { it.id == reportId }
        assertEquals(31.3857, report.location!!.lat, 0.0)
        assertEquals(null, report.location!!.accuracyM)
        sync(worker)
        assertEquals(fix, worker.store.hazard(hazardId).hazard.location)
    }
}
