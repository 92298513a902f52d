// One background sync round for WorkManager: open (or share) the store, sync, and let
// WorkManager retry with backoff while the failure is the network's, not the server's word.
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
import cn.gridfield.data.SyncState
import cn.gridfield.ffi.GridfieldException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.job

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val session = try {
            applicationContext.gridfieldApp.openSession()
        } catch (e: GridfieldException) {
            // Wrong key, newer database…: retrying will not help; the app shows why.
            return Result.failure()
        } ?: return Result.success() // not enrolled: nothing to sync
        val controller = session.sync

        // WorkManager stops us when the network goes: stop the Rust round too (it
        // blocks a thread that coroutine cancellation alone cannot interrupt).
        // (currentCoroutineContext(): CoroutineWorker's own `coroutineContext` is a dispatcher.)
        val stop = currentCoroutineContext().job.invokeOnCompletion { cause ->
            if (cause is CancellationException) controller.cancel()
        }
        try {
            for (round in 1..MAX_ROUNDS) {
                when (val state = controller.syncNow()) {
                    is SyncState.Succeeded -> {
                        // Writes made during the round are still queued: go again while it helps.
                        if (state.pending == 0L || state.report.pushed == 0UL) return Result.success()
                    }
                    is SyncState.Failed -> {
                        if (state.revoked) applicationContext.gridfieldApp.forgetRevoked()
                        return if (state.retryable) Result.retry() else Result.failure()
                    }
                    is SyncState.Cancelled -> return Result.retry()
                    // Another round (the sync screen's) is already on it.
                    is SyncState.Running, is SyncState.Idle -> return Result.success()
                }
            }
            return Result.success()
        } finally {
            stop.dispose()
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
        const val MAX_ROUNDS = 3
        const val CHANNEL = "gridfield.sync"
        const val NOTIFICATION_ID = 7001
    }
}
