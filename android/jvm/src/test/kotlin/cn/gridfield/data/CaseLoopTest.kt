// Cases (事件) through the generated bindings against a real gridfield-server (demo
// district): a grid worker handles a neighbour dispute on the spot, mediates and
// escalates it; the town supervisor accepts a case, dispatches it, has the dispatch
// returned with a reason, dispatches again, and closes it. Every step the phone takes
// is judged again by the server at sync, and none is refused.
package cn.gridfield.data

import cn.gridfield.ffi.CaseAction
import cn.gridfield.ffi.CaseFilter
import cn.gridfield.ffi.CaseHandler
import cn.gridfield.ffi.CaseStatus
import cn.gridfield.ffi.CaseStepInput
import cn.gridfield.ffi.Delivery
import cn.gridfield.ffi.DispatchTarget
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.MediationOutcome
import cn.gridfield.ffi.MediationSession
import cn.gridfield.ffi.NewCase
import cn.gridfield.ffi.Party
import cn.gridfield.ffi.PartyRole
import cn.gridfield.ffi.Severity
import cn.gridfield.ffi.caseActionLabel
import cn.gridfield.ffi.caseStatusLabel
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class CaseLoopTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-case-phones")
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

    /** Syncs and checks the server refused nothing. */
    private fun syncClean(repo: GridfieldRepository) {
        val state = blocking { repo.syncController().syncNow() }
        assertTrue("sync failed: $state", state is SyncState.Succeeded)
        val report = (state as SyncState.Succeeded).report
        assertTrue("refused: ${report.rejected}", report.rejected.isEmpty())
        assertEquals(0L, blocking { repo.pendingCount() })
    }

    private fun note(text: String) = CaseStepInput(note = text)

    @Test
    fun aDisputeIsHandledOnTheSpotMediatedAndEscalated() {
        val worker = enroll("张伟")
        syncClean(worker)
        val types = blocking { worker.caseTypes() }
        val neighbour = types.single { it.code == "dispute.neighbor" }
        assertTrue(neighbour.dispute)
        assertEquals("邻里纠纷", neighbour.label)

        val id = blocking {
            worker.recordCase(
                NewCase(
                    caseType = "dispute.neighbor",
                    severity = Severity.MEDIUM,
                    description = "楼上漏水殃及楼下",
                    parties = listOf(Party(null, "王某", null, PartyRole.APPLICANT), Party(null, "李某", null, PartyRole.RESPONDENT)),
                    handleMyself = true,
                ),
            )
        }
        // The demo district's own cases of this worker are in the list too.
        val mine = blocking { worker.myCases() }.filter { it.id == id }
        assertEquals(listOf(id), mine.map { it.id })
        assertEquals(CaseStatus.HANDLING, mine[0].status)
        val detail = blocking { worker.case(id) }
        assertTrue(CaseAction.MEDIATE in detail.actions)
        assertTrue(CaseAction.ACCEPT !in detail.actions) // accepting is for the level's supervisors

        val session = MediationSession("s1", System.currentTimeMillis(), "网格服务站", "张伟", listOf("王某", "李某"), MediationOutcome.NOT_AGREED, "赔偿金额未谈拢")
        blocking { worker.caseStep(id, CaseAction.MEDIATE, CaseStepInput(session = session)) }
        // Escalating needs a reason: a Chinese refusal, nothing changed.
        try {
            blocking { worker.caseStep(id, CaseAction.ESCALATE) }
            fail("escalated without a reason")
        } catch (e: GridfieldException) {
            assertTrue(e.reason(), e.reason().contains("说明"))
        }
        assertEquals(2, blocking { worker.case(id) }.events.size)
        val up = blocking { worker.caseStep(id, CaseAction.ESCALATE, note("需村里联动调解")) }
        assertEquals(CaseStatus.REPORTED, up.status)
        assertEquals("/320583/320583001/", up.ownerPath)
        assertEquals("上报上级", caseActionLabel(CaseAction.ESCALATE, Lang.ZH))

        syncClean(worker)
        assertEquals(Delivery.SERVER, blocking { worker.case(id) }.case.delivery)
    }

    @Test
    fun aSupervisorDispatchesHasItReturnedAndClosesIt() {
        val supervisor = enroll("赵强")
        syncClean(supervisor)
        val id = blocking {
            supervisor.recordCase(NewCase(caseType = "livelihood", severity = Severity.LOW, description = "小区路灯不亮"))
        }
        val opened = blocking { supervisor.case(id) }
        assertEquals(CaseStatus.REPORTED, opened.case.status)
        assertEquals("民生诉求", opened.case.typeLabel)
        assertTrue(CaseAction.ACCEPT in opened.actions)

        blocking { supervisor.caseStep(id, CaseAction.ACCEPT) }
        val me = DispatchTarget.Person("赵强")
        val sent = blocking { supervisor.caseStep(id, CaseAction.DISPATCH, CaseStepInput(to = me)) }
        assertEquals(CaseHandler.Person("赵强"), sent.handler)
        // A returned dispatch must say why.
        try {
            blocking { supervisor.caseStep(id, CaseAction.RETURN) }
            fail("returned without a reason")
        } catch (e: GridfieldException) {
            assertTrue(e.reason(), e.reason().isNotBlank())
        }
        val back = blocking { supervisor.caseStep(id, CaseAction.RETURN, note("需物业先排查线路")) }
        assertEquals(CaseStatus.ACCEPTED, back.status)
        assertNull(back.handler)
        syncClean(supervisor)

        blocking { supervisor.caseStep(id, CaseAction.DISPATCH, CaseStepInput(to = me)) }
        blocking { supervisor.caseStep(id, CaseAction.RECEIVE) }
        blocking { supervisor.caseStep(id, CaseAction.FEEDBACK, note("已更换灯泡")) }
        blocking { supervisor.caseStep(id, CaseAction.FINISH, note("已修复")) }
        val closed = blocking { supervisor.caseStep(id, CaseAction.VERIFY) }
        assertEquals(CaseStatus.CLOSED, closed.status)
        assertEquals("已结案", caseStatusLabel(CaseStatus.CLOSED, Lang.ZH))
        val timeline = blocking { supervisor.case(id) }
        assertEquals(9, timeline.events.size)
        assertEquals(listOf(CaseAction.EVALUATE), timeline.actions)
        assertTrue(blocking { supervisor.cases(CaseFilter(mine = false, overdue = true)) }.none { it.id == id })

        syncClean(supervisor)
        assertEquals(Delivery.SERVER, blocking { supervisor.case(id) }.case.delivery)
    }
}
