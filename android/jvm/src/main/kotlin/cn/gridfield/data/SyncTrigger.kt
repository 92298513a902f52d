// When sync has to run again: every local write asks for a round, and a write made
// while a round is running gets a round of its own instead of being dropped. The
// Android WorkManager glue and the sync screen ask this policy; it has no Android
// types, so the JDK tests drive it as the phone would.
package cn.gridfield.data

import java.util.UUID
import java.util.concurrent.atomic.AtomicLong

/**
 * One "please sync" from a local write, handed to the scheduler and back to the
 * worker (as WorkManager input data): which process made it ([epoch]) and its
 * place among this process's writes ([seq]).
 */
data class SyncRequest(val epoch: String, val seq: Long)

/** What the background worker does after a round. */
enum class WorkStep {
    /** Everything asked for is on the server. */
    DONE,

    /** Writes came in during the round: run another one now. */
    AGAIN,

    /** The network or the server is the problem: WorkManager retries with backoff. */
    RETRY_LATER,

    /** The server refused this phone (revoked, copied, bad token): retrying cannot help. */
    STOP,
}

/** The scheduler's own record of the one-time sync work, as WorkManager reports it. */
enum class ScheduledWork {
    /** None, or it finished (succeeded, failed, cancelled). */
    NONE,

    /** Enqueued or blocked, not started: when it starts it reads the whole outbox. */
    WAITING,

    /** Running now: it may have read the outbox before this write. */
    RUNNING,
}

/** How a scheduler adds the round a write asks for. */
enum class EnqueuePolicy {
    /** A round that has not started yet takes the write too (WorkManager KEEP). */
    KEEP_WAITING,

    /** Chain a new round after the running one (WorkManager APPEND_OR_REPLACE). */
    APPEND_AFTER_RUNNING,
}

/**
 * Counts local writes and the rounds that covered them. A round covers every write
 * made before it started; a write during the round marks it dirty.
 */
class SyncTrigger(private val epoch: String = UUID.randomUUID().toString()) {
    private val writes = AtomicLong(0)

    /** Writes up to this seq were in the outbox when a round that succeeded started; -1: none yet. */
    private val covered = AtomicLong(-1)
    private val runningSince = AtomicLong(NOT_RUNNING)

    /** A local write was committed: the request to hand to the scheduler. */
    fun localWrite(): SyncRequest = SyncRequest(epoch, writes.incrementAndGet())

    /** Whether a round is running in this process now (the worker's or the sync screen's). */
    val running: Boolean get() = runningSince.get() != NOT_RUNNING

    /** A round starts; returns its start mark for [roundFinished]. */
    fun roundStarting(): Long = writes.get().also { runningSince.set(it) }

    /**
     * The round that started at [startMark] ended. Returns whether writes came in
     * while it ran (they need another round).
     */
    fun roundFinished(startMark: Long, succeeded: Boolean): Boolean {
        runningSince.set(NOT_RUNNING)
        if (succeeded) covered.accumulateAndGet(startMark) { a, b -> maxOf(a, b) }
        return writes.get() > startMark
    }

    /**
     * Whether [request] still needs a round: no round that started after it has
     * succeeded. A request from an earlier process (the app was killed) is covered
     * by any round that succeeded in this one, since its write was already stored.
     */
    fun needsRound(request: SyncRequest?): Boolean {
        val done = covered.get()
        return when {
            request == null -> true
            request.epoch != epoch -> done < 0
            else -> request.seq > done
        }
    }

    companion object {
        private const val NOT_RUNNING = Long.MIN_VALUE

        /**
         * KEEP alone loses a write made while the last round is finishing (it had
         * read the outbox already); appending to a round that has not started only
         * lengthens the chain. Decided from WorkManager's state, read after the
         * write was committed, so there is no window in between.
         */
        fun enqueuePolicy(existing: List<ScheduledWork>): EnqueuePolicy = when {
            // A round that has not started (perhaps chained after the running one) takes it.
            ScheduledWork.WAITING in existing -> EnqueuePolicy.KEEP_WAITING
            ScheduledWork.RUNNING in existing -> EnqueuePolicy.APPEND_AFTER_RUNNING
            else -> EnqueuePolicy.KEEP_WAITING
        }
    }
}
