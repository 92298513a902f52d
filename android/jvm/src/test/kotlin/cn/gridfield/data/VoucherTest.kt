// Vouchers (代金券) through the generated bindings against a real server: the
// volunteer's phone gets its voucher key certified and its balance at sync,
// issues a voucher offline, and a shop verifies it offline with the city's key
// (genuine, altered, wrong shop), and with no more than the balance allows.
package cn.gridfield.data

import cn.gridfield.ffi.CancelHandle
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.enroll
import cn.gridfield.ffi.generateDatabaseKey
import cn.gridfield.ffi.verifyVoucher
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

class VoucherTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-vouchers")

    @After
    fun cleanUp() {
        server.close()
        phones.deleteRecursively()
    }

    @Test
    fun aVoucherIssuedOfflineVerifiesAtTheShop() {
        server.admin("points-adjust", "--user", "王芳", "--points", "30", "--reason", "测试积分")
        val cityKey = server.admin("issuer-key").trim()
        blocking { enroll(File(phones, "v").path, generateDatabaseKey(), server.url, server.codes.getValue("王芳"), "王芳的手机") }.use { s ->
            blocking { s.sync(null, CancelHandle()) }
            val before = s.pointsSummary()
            assertEquals(30L, before.balance)
            assertEquals("correction", before.entries.single().kind)

            val v = s.issueVoucher(20L, "shop-a", 7u)
            assertEquals(10L, s.pointsSummary().spendable)
            try {
                s.issueVoucher(11L, null, 7u)
                fail("more than the confirmed balance less what was issued")
            } catch (e: GridfieldException) {
                // refused offline, nothing issued
            }
            assertEquals(1, s.pointsSummary().vouchers.size)

            val good = verifyVoucher(v.token, listOf(cityKey), "shop-a", Lang.ZH)
            assertTrue(good.reason ?: "", good.valid)
            assertEquals(20L, good.amount)
            assertEquals(v.id, good.id)
            val elsewhere = verifyVoucher(v.token, listOf(cityKey), "shop-b", Lang.ZH)
            assertFalse(elsewhere.valid)
            assertEquals("voucher.wrong_shop", elsewhere.code)
            val cut = v.token.length - 4
            val altered = v.token.substring(0, cut) + (if (v.token[cut] == 'A') 'B' else 'A') + v.token.substring(cut + 1)
            val bad = verifyVoucher(altered, listOf(cityKey), null, Lang.ZH)
            assertFalse(bad.valid)
            assertTrue(bad.code!!, bad.code == "voucher.bad_signature" || bad.code == "voucher.malformed")
            // The phone's own trusted keys verify it too.
            assertTrue(s.verifyVoucher(v.token, null).valid)

            // Synced: the server debits it once; the phone's balance follows.
            blocking { s.sync(null, CancelHandle()) }
            val after = s.pointsSummary()
            assertEquals(10L, after.balance)
            assertEquals("recorded", after.vouchers.single().serverStatus)
        }
    }
}
