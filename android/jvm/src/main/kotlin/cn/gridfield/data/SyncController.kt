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
import kotlin.coroutines.cancellation.CancellationException

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

        /** Another installation uses this enrollment: re-enroll with a new code, nothing is lost. */
        val cloned: Boolean get() = code == DEVICE_CLONED
    }
}

class SyncController internal constructor(
    private val store: GridfieldStore,
    private val bg: Background,
) {
    val state = Observable<SyncState>(SyncState.Idle(store.pendingCount().toLong()))
    private val running = AtomicReference<CancelHandle?>(null)
    private val trigger = SyncTrigger()

    @Volatile
    private var writesDuringLastRound = false

    /** Call after every local write; hand the request to the scheduler. */
    fun requestRound(): SyncRequest = trigger.localWrite()

    /** Whether a scheduled round for [request] still has anything to do. */
    fun needsRound(request: SyncRequest?): Boolean = trigger.needsRound(request)

    /** A round is running in this process (the worker's or the sync screen's). */
    val roundRunning: Boolean get() = trigger.running

    /** Runs one round; if one is already running, returns its current state. */
    suspend fun syncNow(): SyncState {
        val cancel = CancelHandle()
        if (!running.compareAndSet(null, cancel)) {
            cancel.close()
            return state.value
        }
        val mark = trigger.roundStarting()
        var succeeded = false
        state.set(SyncState.Running(null, state.value.pending))
        val observer = object : SyncObserver {
            override fun onProgress(progress: SyncProgress) {
                state.set(SyncState.Running(progress, state.value.pending))
            }
        }
        val result = try {
            // Async in the core, off this thread; cancelling this coroutine cancels the round.
            val report = store.sync(observer, cancel)
            succeeded = true
            SyncState.Succeeded(report, bg.io { store.pendingCount().toLong() })
        } catch (e: GridfieldException.Cancelled) {
            SyncState.Cancelled(bg.io { store.pendingCount().toLong() })
        } catch (e: CancellationException) {
            // The caller's coroutine was cancelled: the core stops the round; say so and rethrow.
            state.set(SyncState.Cancelled(state.value.pending))
            throw e
        } catch (e: GridfieldException) {
            SyncState.Failed(e.code, e.reason(cn.gridfield.ffi.Lang.ZH), e.reason(cn.gridfield.ffi.Lang.EN),
                retryable(e), bg.io { store.pendingCount().toLong() })
        } finally {
            writesDuringLastRound = trigger.roundFinished(mark, succeeded)
            running.set(null)
            cancel.close()
        }
        state.set(result)
        return result
    }

    /** Stops a running round, also in the middle of a request; nothing is lost. */
    fun cancel() {
        running.get()?.cancel()
    }

    /**
     * What the background worker does after [state], its [round]th round in this run:
     * go again while writes came in during the round (at most [maxRounds] times),
     * let WorkManager retry with backoff while the network or server is the problem,
     * stop when the server refused the device.
     */
    fun nextStep(state: SyncState, round: Int, maxRounds: Int = MAX_ROUNDS): WorkStep = when (state) {
        is SyncState.Succeeded -> {
            val more = writesDuringLastRound || (state.pending > 0 && state.report.pushed > 0uL)
            when {
                !more -> WorkStep.DONE
                round < maxRounds -> WorkStep.AGAIN
                state.pending > 0 -> WorkStep.RETRY_LATER
                else -> WorkStep.DONE
            }
        }
        is SyncState.Failed -> if (state.retryable) WorkStep.RETRY_LATER else WorkStep.STOP
        is SyncState.Cancelled -> WorkStep.RETRY_LATER
        // Another round (the sync screen's) is on it, but it may have started before
        // the write this run is for: come back after the backoff rather than drop it.
        is SyncState.Running, is SyncState.Idle -> WorkStep.RETRY_LATER
    }

    companion object {
        /** Rounds one background run makes before handing back to WorkManager. */
        const val MAX_ROUNDS = 3

        /** WorkManager's first backoff delay; it doubles up to WorkManager's 5-hour cap. */
        const val BACKOFF_SECONDS = 30L

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
