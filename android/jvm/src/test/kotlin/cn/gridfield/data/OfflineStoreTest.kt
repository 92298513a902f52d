// The device core through the generated bindings, no server: the encrypted store,
// door-plate verdicts from the committed test vectors, and bad input refused with a
// readable reason and nothing changed.
package cn.gridfield.data

import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.NewInspection
import cn.gridfield.ffi.Role
import cn.gridfield.ffi.generateDatabaseKey
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class OfflineStoreTest {
    private val dir = tempDir("gf-offline")

    @After
    fun cleanUp() {
        dir.deleteRecursively()
    }

    private fun identity(role: Role) = DeviceIdentity("dev-kotlin-1", "测试员", role, "320583001003")

    @Test
    fun encryptedStoreOpensWithItsKeyOnlyAndTheFileIsNotPlaintext() {
        val key = generateDatabaseKey()
        assertEquals(32, key.size)
        GridfieldStore.createOffline(dir.path, key, identity(Role.WORKER)).use { s ->
            assertEquals("测试员", s.identity().user)
            assertEquals(Role.WORKER, s.identity().role)
        }
        // Reopened with the same key: the identity is there.
        GridfieldStore.open(dir.path, key).use { assertEquals("dev-kotlin-1", it.identity().deviceId) }

        // Another key: a typed error with a Chinese reason, and the file is untouched.
        val db = File(dir, "gridfield.db")
        val before = db.readBytes()
        val wrong = generateDatabaseKey()
        try {
            GridfieldStore.open(dir.path, wrong).close()
            fail("opened with the wrong key")
        } catch (e: GridfieldException.WrongKey) {
            assertEquals("wrong_key", e.code)
            assertTrue(e.reason(), e.reason().contains("密钥"))
            assertTrue(e.reason(Lang.EN), e.reason(Lang.EN).contains("key"))
        }
        assertTrue(before.contentEquals(db.readBytes()))
        // Encrypted at rest: SQLite's plaintext header is not there.
        assertFalse(String(before.copyOfRange(0, 16), Charsets.ISO_8859_1).startsWith("SQLite format 3"))

        // A key of the wrong length is refused before anything is opened.
        try {
            GridfieldStore.open(dir.path, ByteArray(16)).close()
            fail("a 16-byte key was accepted")
        } catch (e: GridfieldException.InvalidInput) {
            assertEquals("bad_key", e.code)
        }
    }

    @Test
    fun signedPlateVerifiesAndForgedOnesAreFlagged() {
        val vectors = File(repoRoot(), "core/tests/vectors/plates.json").readText()
        val issuer = Regex("\"public_key_hex\"\\s*:\\s*\"([0-9a-f]{64})\"").find(vectors)!!.groupValues[1]
        val valid = Regex("\"qr\"\\s*:\\s*\"(GFP1\\.[^\"]+)\"").findAll(vectors).map { it.groupValues[1] }.toList()
        GridfieldStore.createOffline(dir.path, generateDatabaseKey(), identity(Role.VOLUNTEER)).use { s ->
            val repo = testRepository(s)
            // Before the issuer is trusted, even a genuine plate is not accepted.
            val untrusted = blocking { repo.scanPlate(valid.last()) }
            assertTrue(untrusted is PlateVerdict.Forged)

            s.trustIssuer(issuer)
            val verdicts = valid.map { blocking { repo.scanPlate(it) } }
            assertTrue("some vector plate verifies", verdicts.any { it !is PlateVerdict.Forged })
            val forged = verdicts.filterIsInstance<PlateVerdict.Forged>()
            assertTrue("the invalid vectors are flagged", forged.isNotEmpty())
            assertTrue(forged.all { it.reason.isNotBlank() && it.code.startsWith("plate_") })

            // Flip one character of a genuine plate's signature: forged.
            val genuine = valid[verdicts.indexOfFirst { it !is PlateVerdict.Forged }]
            val i = genuine.length - 20
            val altered = genuine.substring(0, i) + (if (genuine[i] == 'Q') 'R' else 'Q') + genuine.substring(i + 1)
            val v = blocking { repo.scanPlate(altered) }
            assertTrue(v is PlateVerdict.Forged)
            assertEquals("plate_bad_signature", (v as PlateVerdict.Forged).code)
        }
    }

    @Test
    fun volunteerCannotInspectAndOversizedPhotoIsRefused() {
        GridfieldStore.createOffline(dir.path, generateDatabaseKey(), identity(Role.VOLUNTEER)).use { s ->
            try {
                s.startInspection(NewInspection("rental_fire_safety", null, "320583-001-0012-03-02-0501", null, null, null))
                fail("a volunteer started an inspection")
            } catch (e: GridfieldException.NotPermitted) {
                assertTrue(e.reason().startsWith("无权"))
            }
            // 11 MB of JPEG-looking bytes: over the 10 MB limit, nothing stored.
            val big = ByteArray(11 * 1024 * 1024).also { it[0] = 0xFF.toByte(); it[1] = 0xD8.toByte(); it[2] = 0xFF.toByte() }
            try {
                s.addPhoto(big)
                fail("an 11 MB photo was accepted")
            } catch (e: GridfieldException.InvalidInput) {
                assertEquals("photo_too_large", e.code)
                assertTrue(e.reason(), e.reason().contains("照片过大"))
            }
            assertEquals(0uL, s.pendingCount())
            val ok = s.addPhoto(fixture("ebike.png").readBytes())
            assertEquals(64, ok.hash.length)
            assertEquals("image/png", ok.mime)
        }
    }

    @Test
    fun labelsAreChineseByDefaultWithEnglishAvailable() {
        GridfieldStore.createOffline(dir.path, generateDatabaseKey(), identity(Role.WORKER)).use { s ->
            // Named by the taxonomy the store holds (built in until the first sync).
            val zh = s.hazardCategoryLabel("fire.escape_blocked", Lang.ZH)
            val en = s.hazardCategoryLabel("fire.escape_blocked", Lang.EN)
            assertTrue(zh, zh.any { Character.UnicodeScript.of(it.code) == Character.UnicodeScript.HAN })
            assertNotEquals(zh, en)
            assertEquals("未分类", s.hazardCategoryLabel("made.up-category", Lang.ZH))
            s.setLang(Lang.ZH)
            val categories = s.hazardCategories()
            assertTrue(categories.any { it.code == "fire.escape_blocked" && it.label == zh })
        }
    }
}

/** A repository over an already-open store (offline tests). */
fun testRepository(s: GridfieldStore): GridfieldRepository = GridfieldRepository.fromStore(s, ExecutorBackground())
