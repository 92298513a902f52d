// When sync runs by itself: a periodic round and a one-time expedited round after each
// local write, both waiting for a network (WorkManager starts them when connectivity
// returns) and retried with exponential backoff while the network is the problem.
// Which WorkManager policy a write gets is the JVM layer's decision (SyncTrigger).
package cn.gridfield.app.sync

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkInfo
import androidx.work.WorkManager
import androidx.work.await
import androidx.work.workDataOf
import cn.gridfield.data.EnqueuePolicy
import cn.gridfield.data.ScheduledWork
import cn.gridfield.data.SyncController
import cn.gridfield.data.SyncRequest
import cn.gridfield.data.SyncTrigger
import java.util.concurrent.TimeUnit

object SyncScheduler {
    const val PERIODIC = "gridfield.sync.periodic"
    const val SOON = "gridfield.sync.soon"
    const val KEY_EPOCH = "request.epoch"
    const val KEY_SEQ = "request.seq"

    private val online = Constraints.Builder()
        .setRequiredNetworkType(NetworkType.CONNECTED)
        .build()

    /** Keeps the phone's copy of its grid fresh even when nobody opens the app. */
    fun schedulePeriodic(context: Context) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS)
            .setConstraints(online)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, SyncController.BACKOFF_SECONDS, TimeUnit.SECONDS)
            .build()
        WorkManager.getInstance(context)
            .enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
        SyncHealthStore(context).periodicScheduled()
    }

    /**
     * A round as soon as there is a network, for the write [request] stands for.
     * Called after the write was committed: a round not started yet takes it (KEEP);
     * a running one may have read the outbox already, so a round is chained after it
     * (APPEND_OR_REPLACE), never dropped.
     */
    suspend fun syncSoon(context: Context, request: SyncRequest?) {
        val wm = WorkManager.getInstance(context)
        val existing = wm.getWorkInfosForUniqueWork(SOON).await().map { it.state.scheduled() }
        val policy = when (SyncTrigger.enqueuePolicy(existing)) {
            EnqueuePolicy.KEEP_WAITING -> ExistingWorkPolicy.KEEP
            EnqueuePolicy.APPEND_AFTER_RUNNING -> ExistingWorkPolicy.APPEND_OR_REPLACE
        }
        val work = OneTimeWorkRequestBuilder<SyncWorker>()
            .setConstraints(online)
            .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, SyncController.BACKOFF_SECONDS, TimeUnit.SECONDS)
            .apply { request?.let { setInputData(workDataOf(KEY_EPOCH to it.epoch, KEY_SEQ to it.seq)) } }
            .build()
        wm.enqueueUniqueWork(SOON, policy, work).await()
    }

    private fun WorkInfo.State.scheduled(): ScheduledWork = when (this) {
        WorkInfo.State.ENQUEUED, WorkInfo.State.BLOCKED -> ScheduledWork.WAITING
        WorkInfo.State.RUNNING -> ScheduledWork.RUNNING
        WorkInfo.State.SUCCEEDED, WorkInfo.State.FAILED, WorkInfo.State.CANCELLED -> ScheduledWork.NONE
    }
}
