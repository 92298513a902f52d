// One background sync run for WorkManager: open (or share) the store, sync, go again
// while writes came in during the round, and let WorkManager retry with backoff while
// the failure is the network's, not the server's word (SyncController.nextStep decides).
package cn.gridfield.app.sync

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.content.pm.ServiceInfo
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.work.CoroutineWorker
import androidx.work.ForegroundInfo
import androidx.work.WorkerParameters
import cn.gridfield.app.R
import cn.gridfield.app.gridfieldApp
import cn.gridfield.data.SyncController
import cn.gridfield.data.SyncRequest
import cn.gridfield.data.SyncState
import cn.gridfield.data.WorkStep
import cn.gridfield.ffi.GridfieldException
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val health = SyncHealthStore(applicationContext)
        val session = try {
            applicationContext.gridfieldApp.openSession()
        } catch (e: GridfieldException) {
            // Wrong key, newer database…: retrying will not help; the app shows why.
            return Result.failure()
        } ?: return Result.success() // not enrolled: nothing to sync
        val controller = session.sync

        // A round chained after another one (a write while it ran) that a later round
        // already covered: nothing left to do, no network used.
        val request = inputData.getString(SyncScheduler.KEY_EPOCH)?.let { SyncRequest(it, inputData.getLong(SyncScheduler.KEY_SEQ, 0)) }
        if (request != null && !controller.needsRound(request)) return Result.success()

        // WorkManager stops us when the network goes (or the system's battery rules
        // say so): stop the Rust round too (it blocks a thread that coroutine
        // cancellation alone cannot interrupt), at once rather than when it ends, and
        // remember why, so the sync screen can tell a battery manager from a lost network.
        return coroutineScope {
            val finished = AtomicBoolean(false)
            val watcher = launch {
                try {
                    awaitCancellation()
                } finally {
                    if (!finished.get()) {
                        controller.cancel()
                        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) health.stopped(stopReason)
                    }
                }
            }
            try {
                rounds(controller, health)
            } finally {
                finished.set(true)
                watcher.cancel()
            }
        }
    }

    /** Rounds until the policy says done, retry later or stop (SyncController.nextStep). */
    private suspend fun rounds(controller: SyncController, health: SyncHealthStore): Result {
        var round = 1
        var state = controller.syncNow()
        var step = controller.nextStep(state, round)
        while (step == WorkStep.AGAIN) {
            // Writes came in during the round: they are still queued, go again.
            round++
            state = controller.syncNow()
            step = controller.nextStep(state, round)
        }
        health.ran()
        return when (step) {
            WorkStep.DONE, WorkStep.AGAIN -> Result.success()
            WorkStep.RETRY_LATER -> Result.retry()
            WorkStep.STOP -> {
                if (state is SyncState.Failed && state.revoked) applicationContext.gridfieldApp.forgetRevoked()
                Result.failure()
            }
        }
    }

    /** Before Android 12 expedited work runs as a foreground service and needs this. */
    override suspend fun getForegroundInfo(): ForegroundInfo {
        val ctx = applicationContext
        val manager = ctx.getSystemService(NotificationManager::class.java)
        if (manager.getNotificationChannel(CHANNEL) == null) {
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL, ctx.getString(R.string.sync_channel), NotificationManager.IMPORTANCE_LOW),
            )
        }
        val notification = NotificationCompat.Builder(ctx, CHANNEL)
            .setSmallIcon(android.R.drawable.stat_notify_sync)
            .setContentTitle(ctx.getString(R.string.sync_notification))
            .setOngoing(true)
            .setSilent(true)
            .build()
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            ForegroundInfo(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(NOTIFICATION_ID, notification)
        }
    }

    private companion object {
        const val CHANNEL = "gridfield.sync"
        const val NOTIFICATION_ID = 7001
    }
}
