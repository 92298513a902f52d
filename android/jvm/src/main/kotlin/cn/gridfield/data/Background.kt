// Where blocking calls into the Rust core run. The core's local calls are blocking
// by design (one writer, short transactions); the app layer exposes them as suspend
// functions that never run on the UI thread. The network calls (sync, photo,
// enroll) are `suspend` in the bindings themselves and need no Background.
package cn.gridfield.data

import java.util.concurrent.Executor
import java.util.concurrent.Executors
import kotlin.coroutines.suspendCoroutine

/** Runs a blocking call off the caller's thread and resumes with its result. */
interface Background {
    suspend fun <T> io(block: () -> T): T
}

/**
 * Plain-JVM implementation over an executor (the desktop tests). The Android app
 * supplies one backed by `Dispatchers.IO` (`withContext(Dispatchers.IO) { block() }`).
 */
class ExecutorBackground(
    private val executor: Executor = Executors.newFixedThreadPool(2) { r ->
        Thread(r, "gridfield-io").apply { isDaemon = true }
    },
) : Background {
    override suspend fun <T> io(block: () -> T): T = suspendCoroutine { cont ->
        executor.execute { cont.resumeWith(runCatching(block)) }
    }
}
