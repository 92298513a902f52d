// Sync as the sync screen and the background worker see it: one round at a time,
// progress as state, cancel, and the retry policy (keep trying while the network
// is the problem; stop and tell the person when the server refuses this device).
package cn.gridfield.data

import cn.gridfield.ffi.CancelHandle
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.SyncObserver
import cn.gridfield.ffi.SyncProgress
import cn.gridfield.ffi.SyncReport
import java.util.concurrent.atomic.AtomicReference

sealed class SyncState {
    abstract val pending: Long

    data class Idle(override val pending: Long) : SyncState()
    data class Running(val progress: SyncProgress?, override val pending: Long) : SyncState()
    data class Succeeded(val report: SyncReport, override val pending: Long) : SyncState()
    data class Cancelled(override val pending: Long) : SyncState()
    data class Failed(
        val code: String,
        val reason: String,
        val reasonEn: String,
        /** Worth retrying by itself (no network, server busy) rather than asking the user. */
        val retryable: Boolean,
        override val pending: Long,
    ) : SyncState() {
        /** The phone was revoked and its store wiped: close it and offer enrollment. */
        val revoked: Boolean get() = code == "device_revoked"
    }
}

class SyncController internal constructor(
    private val store: GridfieldStore,
    private val bg: Background,
) {
    val state = Observable<SyncState>(SyncState.Idle(store.pendingCount().toLong()))
    private val running = AtomicReference<CancelHandle?>(null)

    /** Runs one round; if one is already running, returns its current state. */
    suspend fun syncNow(): SyncState {
        val cancel = CancelHandle()
        if (!running.compareAndSet(null, cancel)) {
            cancel.close()
            return state.value
        }
        state.set(SyncState.Running(null, state.value.pending))
        val observer = object : SyncObserver {
            override fun onProgress(progress: SyncProgress) {
                state.set(SyncState.Running(progress, state.value.pending))
            }
        }
        val result = try {
            val report = bg.io { store.sync(observer, cancel) }
            SyncState.Succeeded(report, bg.io { store.pendingCount().toLong() })
        } catch (e: GridfieldException.Cancelled) {
            SyncState.Cancelled(bg.io { store.pendingCount().toLong() })
        } catch (e: GridfieldException) {
            SyncState.Failed(e.code, e.reason(cn.gridfield.ffi.Lang.ZH), e.reason(cn.gridfield.ffi.Lang.EN),
                retryable(e), bg.io { store.pendingCount().toLong() })
        } finally {
            running.set(null)
            cancel.close()
        }
        state.set(result)
        return result
    }

    /** Stops a running round between requests; nothing is lost. */
    fun cancel() {
        running.get()?.cancel()
    }

    companion object {
        /** No network or a server hiccup: retry with backoff. A refused token or bad data: don't. */
        fun retryable(e: GridfieldException): Boolean = when (e) {
            is GridfieldException.Sync -> {
                val status = e.httpStatus.toInt()
                (status == 0 && e.code != "not_enrolled") || status == 429 || status >= 500
            }
            else -> false
        }
    }
}
