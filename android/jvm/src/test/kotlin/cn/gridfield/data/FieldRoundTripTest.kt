// A grid worker's day through the generated bindings against a real gridfield-server:
// enroll, sync, scan a signed plate, run the fire-safety checklist with a failing
// item, see the hazard it raised, sync, have the supervisor return the inspection
// with a comment, and see the comment arrive. Then the volunteer, and no network.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.Delivery
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.HazardAction
import cn.gridfield.ffi.HazardStatus
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.Role
import cn.gridfield.ffi.SyncPhase
import cn.gridfield.ffi.YesNoNa
import cn.gridfield.ffi.CancelHandle
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class FieldRoundTripTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-phones")
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

    private fun syncOk(repo: GridfieldRepository): SyncState.Succeeded {
        val state = blocking { repo.syncController().syncNow() }
        assertTrue("sync failed: $state", state is SyncState.Succeeded)
        return state as SyncState.Succeeded
    }

    @Test
    fun workerChecklistHazardSyncAndSupervisorReturnWithComment() {
        val plates = server.signPlates("320583001001")
        assertTrue(plates.isNotEmpty())

        // ---- the worker enrolls and pulls the grid, with progress reported ----
        val worker = enroll("张伟")
        assertEquals(Role.WORKER, worker.identity.role)
        val sync = worker.syncController()
        val phases = mutableListOf<SyncPhase>()
        sync.state.subscribe { s -> if (s is SyncState.Running) s.progress?.let { phases += it.phase } }
        val first = blocking { sync.syncNow() } as SyncState.Succeeded
        assertTrue("pulled the grid", first.report.pulled > 0u)
        assertTrue(first.report.verified)
        assertTrue("progress reached the observer: $phases", SyncPhase.PULL in phases)
        assertEquals(0L, first.pending)

        // ---- scan a door plate signed by the server's issuer ----
        val verdict = blocking { worker.scanPlate(plates.first()) }
        assertTrue("plate verdict: $verdict", verdict is PlateVerdict.Genuine)
        val address = (verdict as PlateVerdict.Genuine).address.address
        assertEquals("320583001001", address.gridCode)
        assertTrue(blocking { worker.search(address.fullText.takeLast(6)) }.any { it.code == address.code })

        // ---- the fire-safety checklist, with a failing item that needs a photo ----
        val runner = blocking { worker.startChecklist("rental_fire_safety", address.code) }
        val yn = { v: YesNoNa -> Answer.YesNoNa(v) }
        val passing = mapOf(
            "ebike_flying_lead" to yn(YesNoNa.NO), "escape_blocked" to yn(YesNoNa.NO),
            "exit_locked" to yn(YesNoNa.NO), "emergency_lighting" to yn(YesNoNa.YES),
            "window_bars_escape" to yn(YesNoNa.YES), "extinguisher_count" to Answer.Number(1.0),
            "extinguisher_expired" to yn(YesNoNa.NO), "wiring_unsafe" to yn(YesNoNa.NO),
            "socket_overload" to yn(YesNoNa.NO), "leakage_breaker" to yn(YesNoNa.YES),
            "gas_type" to Answer.Choice("piped"), "gas_cylinder_living" to yn(YesNoNa.NA),
            "gas_hose_aged" to yn(YesNoNa.NO), "gas_alarm" to yn(YesNoNa.YES),
            "flammable_partition" to yn(YesNoNa.NO), "occupant_count" to Answer.Number(4.0),
            "area_per_person" to Answer.Number(12.5), "rental_use" to Answer.Choice("by_room"),
            "non_living_room_occupied" to yn(YesNoNa.NO),
            "remarks" to Answer.Text("一楼楼道内停放电动自行车两辆；未安装烟感。"),
        )
        blocking {
            for ((item, answer) in passing) runner.answer(item, answer)
            runner.answer("ebike_indoor", yn(YesNoNa.YES)) // fails: e-bike charged indoors
            runner.answer("smoke_alarm", yn(YesNoNa.NO)) // fails: no smoke alarm
        }
        // The core asks for what is missing: the failing item's photo, site photos, signature.
        val open = runner.state.value
        assertFalse(open.check.complete)
        assertTrue(open.problems("ebike_indoor").any { it.code == "photo_required_on_fail" })
        assertTrue(open.problems("landlord_signature").any { it.code == "missing_required" })
        assertTrue(open.problems("ebike_indoor").all { it.reason.isNotBlank() && it.reasonEn.isNotBlank() })

        // A value that does not fit is refused, and the saved draft keeps the old answer.
        try {
            blocking { runner.answer("extinguisher_count", Answer.Text("很多")) }
            fail("a text answer to a number item was accepted")
        } catch (e: GridfieldException.InvalidInput) {
            assertEquals("answers_invalid", e.code)
        }
        assertEquals(Answer.Number(1.0), runner.state.value.answers["extinguisher_count"])

        val png = fixture("ebike.png").readBytes()
        val site = fixture("site.png").readBytes()
        val signature = fixture("signature.png").readBytes()
        blocking {
            runner.addEvidence("ebike_indoor", png)
            runner.answerWithImage("site_photos", site)
            runner.answerWithImage("landlord_signature", signature, signature = true)
        }
        val ready = runner.state.value.check
        assertTrue("complete: ${ready.problems}", ready.complete)
        assertEquals(setOf("ebike_indoor", "smoke_alarm"), ready.outcome!!.failedItems.map { it.itemId }.toSet())

        val outcome = blocking { runner.submit() }
        assertEquals(runner.inspectionId, outcome.inspectionId)
        assertEquals(2, outcome.hazardsRaised.size)
        val hazards = blocking { worker.hazards() }
        val ebike = hazards.single { it.sourceItem == "ebike_indoor" }
        assertEquals("fire.ebike_charging", ebike.category)
        assertEquals(HazardStatus.REPORTED, ebike.status)
        assertEquals(Delivery.LOCAL, ebike.delivery)
        assertEquals(listOf(blocking { worker.addPhoto(png) }.hash), ebike.photos)

        // A lifecycle step offline: assign with a deadline.
        val inAWeek = System.currentTimeMillis() + 7L * 86_400_000
        assertEquals(HazardStatus.ASSIGNED,
            blocking { worker.hazardStep(ebike.id, HazardAction.ASSIGN, note = "限期整改", assignee = "房东李某", deadlineMs = inAWeek) })
        val detail = blocking { worker.hazard(ebike.id) }
        assertEquals(2, detail.events.size)
        assertTrue(HazardAction.VERIFY !in detail.actions) // verification is the supervisor's
        assertTrue(HazardAction.START_RECTIFICATION in detail.actions)

        // ---- sync: everything reaches the server ----
        assertTrue(blocking { worker.pendingCount() } >= 4)
        val pushed = syncOk(worker)
        assertTrue(pushed.report.pushed >= 4u)
        assertTrue(pushed.report.photosUploaded >= 3u)
        assertEquals(0L, pushed.pending)
        assertEquals(Delivery.SERVER, blocking { worker.inspection(runner.inspectionId) }.summary.delivery)

        // ---- the supervisor returns it with a comment ----
        val supervisor = enroll("赵强")
        syncOk(supervisor)
        val submitted = blocking { supervisor.inspections(ReviewStatus.SUBMITTED) }
        assertTrue(submitted.any { it.id == runner.inspectionId })
        // An empty comment on a return is refused with a reason, and nothing is queued.
        try {
            blocking { supervisor.reviewInspection(runner.inspectionId, approve = false, comment = "  ") }
            fail("returned without a comment")
        } catch (e: GridfieldException.InvalidInput) {
            assertTrue(e.reason().isNotBlank())
        }
        assertEquals(0L, blocking { supervisor.pendingCount() })
        val comment = "请补拍灭火器压力表照片"
        blocking { supervisor.reviewInspection(runner.inspectionId, approve = false, comment = comment) }
        syncOk(supervisor)

        // ---- the worker's next sync brings the comment ----
        assertEquals(ReviewStatus.SUBMITTED, blocking { worker.inspection(runner.inspectionId) }.summary.reviewStatus)
        syncOk(worker)
        val returned = blocking { worker.inspection(runner.inspectionId) }.summary
        assertEquals(ReviewStatus.RETURNED, returned.reviewStatus)
        assertEquals(comment, returned.reviewComment)
        assertEquals("赵强", returned.reviewedBy)
        // …and the worker can reopen it to correct.
        val again = blocking { worker.resumeChecklist(runner.inspectionId) }
        assertTrue(again.state.value.check.complete)

        // ---- the volunteer: plate, report with a photo, no personal data ----
        val volunteer = enroll("王芳")
        syncOk(volunteer)
        val seen = blocking { volunteer.scanPlate(plates.first()) }
        assertTrue(seen is PlateVerdict.Genuine)
        val entities = (seen as PlateVerdict.Genuine).address.entities
        assertTrue(entities.all { e -> e.fields.none { it.name in setOf("id_number", "phone") } })
        val photo = blocking { volunteer.addPhoto(png) }
        val reportId = blocking { volunteer.fileReport(address.code, "楼道里又停了电动车", listOf(photo.hash)) }
        syncOk(volunteer)
        val report = blocking { volunteer.reports() }.single { it.id == reportId }
        assertEquals(Delivery.SERVER, report.delivery)
        assertEquals(0L, blocking { volunteer.points() })
        try {
            blocking { volunteer.startChecklist("rental_fire_safety", address.code) }
            fail("a volunteer started a checklist")
        } catch (e: GridfieldException.NotPermitted) {
            assertNotNull(e.reason())
        }

        // ---- cancel, then no network: nothing lost, and the failure is retryable ----
        try {
            blocking { worker.store.sync(null, CancelHandle().apply { cancel() }) }
            fail("a cancelled sync ran")
        } catch (e: GridfieldException.Cancelled) {
            assertEquals("cancelled", e.code)
        }
        blocking { worker.hazardStep(ebike.id, HazardAction.START_RECTIFICATION, note = "房东已开始整改") }
        server.stop()
        val offline = blocking { worker.syncController().syncNow() }
        assertTrue("offline: $offline", offline is SyncState.Failed)
        offline as SyncState.Failed
        assertEquals("network", offline.code)
        assertTrue(offline.retryable)
        assertTrue(offline.reason, offline.reason.contains("无法连接"))
        assertEquals(1L, offline.pending)
        val diag = blocking { worker.diagnostics() }
        assertEquals("network", diag.lastError?.code)
        assertEquals(1uL, diag.queueDepth)
    }
}
