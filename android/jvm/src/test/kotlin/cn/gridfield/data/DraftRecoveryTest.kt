// A checklist opened again after the process died (a new repository on the same
// store file) continues the same draft with its answers, whether the screen kept
// the draft's id or lost it: never a second draft for the same door.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.YesNoNa
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class DraftRecoveryTest {
    private val server = DemoServer()
    private val dir = File(tempDir("gf-drafts"), "phone")
    private val key = FixedKey()
    private val bg = ExecutorBackground()
    private val template = "rental_fire_safety"

    @After
    fun cleanUp() {
        server.close()
        dir.parentFile.deleteRecursively()
    }

    /** A fresh process: the store opened again from its file. */
    private fun <T> process(block: (GridfieldRepository) -> T): T =
        blocking { GridfieldRepository.open(dir.path, key, bg) }.use(block)

    private fun drafts(repo: GridfieldRepository) = blocking { repo.inspections(ReviewStatus.DRAFT) }

    @Test
    fun aDraftIsRecoveredByIdAfterProcessDeathAndNeverCreatedTwice() {
        // A worker's phone with its grid on it, and two doors in that grid.
        val (door, otherDoor) = blocking {
            GridfieldRepository.enroll(dir.path, key, bg, server.url, server.codes.getValue("张伟"), "张伟的手机")
        }.use { repo ->
            assertTrue(blocking { repo.syncController().syncNow() } is SyncState.Succeeded)
            val doors = server.signPlates(server.grids.getValue("张伟")).take(2).map { plate ->
                (blocking { repo.scanPlate(plate) } as PlateVerdict.Genuine).address.address.code
            }
            doors[0] to doors[1]
        }

        // First process: the screen opens the checklist, answers one item, and dies.
        val id = process { repo ->
            val runner = blocking { repo.openChecklist(template, door, draftId = null) }
            blocking { runner.answer("escape_blocked", Answer.YesNoNa(YesNoNa.NO)) }
            runner.inspectionId
        }

        // Second process, the id kept by SavedStateHandle: the same draft, answer and all.
        process { repo ->
            val runner = blocking { repo.openChecklist(template, door, draftId = id) }
            assertEquals(id, runner.inspectionId)
            assertEquals(Answer.YesNoNa(YesNoNa.NO), runner.state.value.answers["escape_blocked"])
            assertEquals(1, drafts(repo).size)
        }

        // Third process, the id lost (killed before the state was saved): still that draft.
        process { repo ->
            val runner = blocking { repo.openChecklist(template, door, draftId = null) }
            assertEquals(id, runner.inspectionId)
            assertEquals(listOf(id), drafts(repo).map { it.id })
        }

        // A stale id (the draft was submitted or is gone) falls back the same way; another
        // door gets a draft of its own.
        process { repo ->
            assertEquals(id, blocking { repo.openChecklist(template, door, draftId = "no-such-inspection") }.inspectionId)
            val other = blocking { repo.openChecklist(template, otherDoor, draftId = null) }
            assertNotEquals(id, other.inspectionId)
            assertEquals(2, drafts(repo).size)
        }
    }
}
