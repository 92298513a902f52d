// The network calls are `suspend` functions of the bindings (uniffi async on the
// core's tokio runtime): a sync against the real server completes as a coroutine,
// and a coroutine cancelled in the middle of a round stops the round in the core
// (not just the waiting) and loses nothing — the next round runs at once and
// sends what the cancelled one did not.
package cn.gridfield.data

import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.atomic.AtomicInteger

/** A TCP proxy on loopback that holds every connection for [holdMs] before passing it on. */
class SlowProxy(private val upstreamPort: Int, private val holdMs: Long) : AutoCloseable {
    private val listener = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    val url = "http://127.0.0.1:${listener.localPort}"
    val connections = AtomicInteger()

    init {
        Thread {
            while (!listener.isClosed) {
                val client = runCatching { listener.accept() }.getOrNull() ?: break
                connections.incrementAndGet()
                Thread { relay(client) }.apply { isDaemon = true }.start()
            }
        }.apply { isDaemon = true }.start()
    }

    private fun relay(client: Socket) {
        Thread.sleep(holdMs)
        runCatching {
            Socket(InetAddress.getLoopbackAddress(), upstreamPort).use { up ->
                val toUp = Thread { runCatching { client.getInputStream().copyTo(up.getOutputStream()) } }
                toUp.isDaemon = true
                toUp.start()
                up.getInputStream().copyTo(client.getOutputStream())
            }
        }
        runCatching { client.close() }
    }

    override fun close() = listener.close()
}

class AsyncSyncTest {
    private val server = DemoServer()
    private val phones = tempDir("gf-async")
    private val bg = ExecutorBackground()

    @After
    fun cleanUp() {
        server.close()
        phones.deleteRecursively()
    }

    @Test
    fun aSuspendSyncCompletesAndACancelledOneStopsLosingNothing() {
        val volunteer = blocking {
            GridfieldRepository.enroll(File(phones, "v").path, FixedKey(), bg, server.url, server.codes.getValue("王芳"), "王芳的手机")
        }
        volunteer.use { v ->
            val sync = v.syncController()
            // A suspend sync against the real server completes.
            val first = blocking { sync.syncNow() }
            assertTrue("first sync: $first", first is SyncState.Succeeded)

            val plate = server.signPlates("320583001001").first()
            val address = (blocking { v.scanPlate(plate) } as PlateVerdict.Genuine).address.address.code
            blocking { v.fileReport(address, "楼道堆放杂物", emptyList()) }
            assertEquals(1L, blocking { v.pendingCount() })

            // Through a proxy that holds each request for 8 s: cancel the coroutine
            // once the round's first request is on the wire.
            val port = server.url.substringAfterLast(':').trimEnd('/').toInt()
            SlowProxy(port, holdMs = 8_000).use { proxy ->
                v.store.setServerUrl(proxy.url)
                runBlocking {
                    val job = launch { sync.syncNow() }
                    while (proxy.connections.get() == 0) delay(10)
                    job.cancelAndJoin()
                }
                assertTrue("state after the cancel: ${sync.state.value}", sync.state.value is SyncState.Cancelled)
                assertEquals("nothing lost", 1L, blocking { v.pendingCount() })
                assertTrue("no round left running in the app", !sync.roundRunning)
            }

            // At once, the next round: the core's cancelled round has stopped (a round
            // still waiting on the proxy would refuse it as in progress), and the
            // report goes up.
            v.store.setServerUrl(server.url)
            val again = blocking { sync.syncNow() }
            assertTrue("next sync: $again", again is SyncState.Succeeded)
            again as SyncState.Succeeded
            assertEquals(1uL, again.report.pushed + again.report.duplicates)
            assertEquals(0L, blocking { v.pendingCount() })
        }
    }
}
