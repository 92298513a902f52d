// Compact door plates (https://<city>/P/<payload>) scanned through the generated
// bindings: genuine ones verify offline, the committed forged, altered, truncated
// and unknown-issuer vectors are flagged with their distinct reasons, and the
// first-format plates still read.
package cn.gridfield.data

import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.PlateVerdictKind
import cn.gridfield.ffi.Role
import cn.gridfield.ffi.generateDatabaseKey
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class PlateScanTest {
    private val dir = tempDir("gf-plates")

    @After
    fun cleanUp() {
        dir.deleteRecursively()
    }

    private val vectors = File(repoRoot(), "core/tests/vectors/compact_plates.json").readText()
    private val issuerHex = Regex("\"public_key_hex\"\\s*:\\s*\"([0-9a-f]{64})\"")
        .find(File(repoRoot(), "core/tests/vectors/plates.json").readText())!!.groupValues[1]

    /** (url, expected code) of each invalid vector; the valid ones with code null. */
    private fun plates(): List<Pair<String, String?>> {
        val valid = Regex("\"url\"\\s*:\\s*\"([^\"]+)\"\\s*\\}").findAll(vectors.substringBefore("\"invalid\""))
            .map { it.groupValues[1] to null }
        val invalid = Regex("\"url\"\\s*:\\s*\"([^\"]+)\",\\s*\"code\"\\s*:\\s*\"([a-z_]+)\"")
            .findAll(vectors.substringAfter("\"invalid\"").substringBefore("\"legacy_mappings\""))
            .map { it.groupValues[1] to it.groupValues[2] }
        return (valid + invalid).toList()
    }

    @Test
    fun compactPlatesVerifyOfflineAndBadOnesGiveTheirReason() {
        val all = plates()
        assertTrue("vectors read", all.count { it.second == null } >= 3 && all.count { it.second != null } >= 8)
        GridfieldStore.createOffline(
            dir.path, generateDatabaseKey(), DeviceIdentity("dev-kotlin-2", "测试员", Role.VOLUNTEER, "320583001003"),
        ).use { s ->
            s.trustIssuer(issuerHex)
            for ((url, code) in all) {
                val scan = s.scanPlate(url)
                if (code == null) {
                    assertTrue(url, scan.verified)
                    // No address on this empty phone: genuine, shown as the plate says.
                    assertEquals(PlateVerdictKind.GENUINE_OUTSIDE_SCOPE, scan.verdict)
                    assertTrue(scan.plate!!.addressCode.isNotBlank())
                } else {
                    assertFalse(url, scan.verified)
                    assertEquals(url, PlateVerdictKind.FORGED, scan.verdict)
                    assertEquals(url, code, scan.rejectionCode)
                    assertTrue(scan.rejectionReason!!.isNotBlank())
                }
            }
        }
    }
}
