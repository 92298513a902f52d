// Reports with a category and the points they earn, through the repository the
// shells use, against a real server: the volunteer picks a category the synced
// taxonomy offers, the server receives it (the console shows it and prices the
// award by it), and after the supervisor accepts, the phone's ledger shows the
// award offline; a voucher issued from that balance verifies and draws as a QR code.
package cn.gridfield.data

import cn.gridfield.ffi.Delivery
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.ReportStatus
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class ReportPointsTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-report-points")
    private val bg = ExecutorBackground()
    private val opened = mutableListOf<GridfieldRepository>()
    private val address = "320583-001-0023-00-00-0000"

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
    fun aCategorisedReportReachesTheServerAndItsAwardTheLedger() {
        // The neighbour-dispute category is priced above the default (medium: 8, not 5).
        server.admin(
            "points-rules", "load",
            server.file("points.rules", "points * low 2 medium 5 high 10 critical 20\npoints dispute.neighbor low 3 medium 8 high 15 critical 40\n"),
        )
        val volunteer = enroll("王芳")
        sync(volunteer)

        val categories = blocking { volunteer.reportCategories() }
        val neighbour = categories.single { it.code == "dispute.neighbor" }
        assertEquals("邻里纠纷", neighbour.label)

        val id = blocking { volunteer.fileReport(address, "楼上邻居深夜装修噪音", emptyList(), category = neighbour.code) }
        val filed = blocking { volunteer.reports() }.single { it.id == id }
        assertEquals("dispute.neighbor", filed.category)
        assertEquals("邻里纠纷", filed.categoryLabel)
        // A code the taxonomy lacks is refused on the phone, nothing filed.
        try {
            blocking { volunteer.fileReport(address, "无效类别", emptyList(), category = "no.such") }
            fail("an unknown category was filed")
        } catch (e: GridfieldException) {
            assertNotNull(e.message)
        }
        assertEquals(1, blocking { volunteer.reports() }.size)
        sync(volunteer)
        assertEquals(Delivery.SERVER, blocking { volunteer.reports() }.single().delivery)

        // On the server: the console shows the category, and accepting prices it.
        server.consoleUser("测试主管", "supervisor", "320583001001", "测试口令-2026-abc")
        val console = ConsoleClient(server.url, "测试主管", "测试口令-2026-abc")
        val page = console.get("/console/reports/$id")
        assertTrue(page, page.contains("<dd id=\"category\">邻里纠纷</dd>"))
        val decided = console.submit("/console/reports/$id", "/console/reports/$id/decide", mapOf("decision" to "accept", "level" to "medium"))
        assertTrue("decide: ${decided.statusCode()}", decided.statusCode() in 300..399)

        sync(volunteer)
        val report = blocking { volunteer.reports() }.single()
        assertEquals(ReportStatus.ACCEPTED, report.status)
        assertEquals("dispute.neighbor", report.category)
        val points = blocking { volunteer.pointsSummary() }
        assertEquals(8L, points.balance)
        val award = points.entries.single { it.kind == "award" }
        assertEquals(8L, award.points)
        assertEquals(id, award.reportId)
        assertEquals("奖励", award.kindLabel)
        assertTrue(award.counted)

        // Spent offline as a voucher: it verifies on the phone and draws as a QR code.
        val v = blocking { volunteer.issueVoucher(6L, " ", 30) }
        assertEquals(null, v.shop)
        assertEquals(2L, blocking { volunteer.pointsSummary() }.spendable)
        val check = blocking { volunteer.verifyVoucher(v.token) }
        assertTrue(check.reason ?: "", check.valid)
        assertEquals(6L, check.amount)
        val qr = volunteer.qrCode(v.token)!!
        assertTrue(qr.size.toInt() >= 21)
        assertEquals(qr.size.toInt() * qr.size.toInt(), qr.dark.size)
        try {
            blocking { volunteer.issueVoucher(3L, null, 30) }
            fail("a voucher beyond what may still be spent")
        } catch (e: GridfieldException) {
            assertEquals(1, blocking { volunteer.pointsSummary() }.vouchers.size)
        }
    }
}
