// Personal data on the phone through the generated bindings, against the real
// library and a real gridfield-server: ID numbers and phones arrive masked by the
// core with a flag, one value is revealed on request (audited by the core), and a
// phone revoked by an administrator is wiped on its next sync and says why.
package cn.gridfield.data

import cn.gridfield.ffi.EntityField
import cn.gridfield.ffi.EntityKind
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.Lang
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class PersonalDataTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-personal")
    private val bg = ExecutorBackground()

    @After
    fun cleanUp() {
        server.close()
        phones.deleteRecursively()
    }

    private fun enroll(name: String): GridfieldRepository = blocking {
        GridfieldRepository.enroll(File(phones, name).path, FixedKey(), bg, server.url, server.codes.getValue(name), "${name}的手机")
    }

    @Test
    fun identifiersArriveMaskedAndOneIsRevealedOnRequest() {
        enroll("张伟").use { worker ->
            assertTrue(blocking { worker.syncController().syncNow() } is SyncState.Succeeded)
            val plate = server.signPlates("320583001001").first()
            val address = (blocking { worker.scanPlate(plate) } as PlateVerdict.Genuine).address.address
            val id = worker.store.putEntity(
                EntityKind.PERSON, null, address.code,
                listOf(
                    EntityField("name", "王秀英"),
                    EntityField("id_number", "11010519491231002X"),
                    EntityField("phone", "13900000001"),
                ),
            )
            val person = blocking { worker.address(address.code) }.entities.first { it.id == id }
            val idNumber = person.fields.first { it.name == "id_number" }
            assertEquals("1101**********002X", idNumber.value)
            assertTrue(idNumber.masked)
            assertEquals("139****0001", person.fields.first { it.name == "phone" }.value)
            assertFalse(person.fields.first { it.name == "name" }.masked)
            assertEquals("11010519491231002X", blocking { worker.revealField(EntityKind.PERSON, id, "id_number") })

            // A malformed ID number: the core's Chinese reason, nothing saved.
            try {
                worker.store.putEntity(EntityKind.PERSON, id, null, listOf(EntityField("id_number", "110105194912310021")))
                fail("a bad ID number was accepted")
            } catch (e: GridfieldException.InvalidInput) {
                assertTrue(e.reason(Lang.ZH), e.reason(Lang.ZH).contains("身份证号"))
            }
        }
    }

    @Test
    fun aRevokedPhoneIsWipedOnItsNextSyncAndSaysWhy() {
        val dir = File(phones, "王芳")
        val volunteer = enroll("王芳")
        assertTrue(blocking { volunteer.syncController().syncNow() } is SyncState.Succeeded)
        server.revoke(volunteer.identity.deviceId)
        val state = blocking { volunteer.syncController().syncNow() }
        assertTrue("$state", state is SyncState.Failed && state.revoked)
        assertTrue((state as SyncState.Failed).reason, state.reason.contains("清除"))
        volunteer.close()
        assertFalse(GridfieldRepository.exists(dir.path))
        assertTrue(GridfieldRepository.wasRevoked(dir.path))
        assertFalse(File(dir, "gridfield.db").exists())
        try {
            GridfieldStore.open(dir.path, FixedKey().databaseKey()).close()
            fail("a wiped store opened")
        } catch (e: GridfieldException.Revoked) {
            assertEquals("device_revoked", e.code)
        }
    }
}
