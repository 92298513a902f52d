// The process-wide owner of the Rust store: opened once (by the UI or the background
// worker, whichever comes first) and shared, because the core wants one writer per
// database file. Also schedules background sync once the phone is enrolled.
package cn.gridfield.app

import android.app.Application
import android.content.Context
import android.util.Log
import cn.gridfield.app.sync.SyncScheduler
import cn.gridfield.app.ui.common.lastKnownFix
import cn.gridfield.data.GridfieldRepository
import cn.gridfield.data.LocationSource
import cn.gridfield.data.SyncController
import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.Lang
import java.io.File
import java.util.Locale
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/** An open store with what every screen needs from it, all fetched off the main thread. */
class Session(
    val repository: GridfieldRepository,
    val sync: SyncController,
    val identity: DeviceIdentity,
    val labels: Labels,
)

class GridfieldApp : Application() {
    /** No-backup storage: the data cannot be restored without the Keystore key anyway. */
    val dataDir: String by lazy { File(noBackupFilesDir, "store").path }
    private val keys by lazy { KeystoreKeyProvider(File(noBackupFilesDir, "db.key.sealed"), dataDir) }

    private val lock = Mutex()
    private val current = MutableStateFlow<Session?>(null)
    val session: StateFlow<Session?> = current.asStateFlow()

    /** Whether this phone has been enrolled (a store exists). */
    suspend fun enrolled(): Boolean = IoBackground.io { GridfieldRepository.exists(dataDir) }

    /** The open store, opening it on first use; `null` before enrollment. */
    suspend fun openSession(): Session? = lock.withLock {
        current.value ?: if (!enrolled()) {
            null
        } else {
            val repo = GridfieldRepository.open(dataDir, keys, IoBackground)
            ready(repo).also { SyncScheduler.schedulePeriodic(this) }
        }
    }

    /** First start: enroll with the supervisor's one-time code (network). */
    suspend fun enroll(serverUrl: String, code: String, deviceName: String): Session = lock.withLock {
        current.value?.let { return@withLock it }
        val repo = GridfieldRepository.enroll(dataDir, keys, IoBackground, serverUrl, code, deviceName)
        ready(repo).also {
            SyncScheduler.schedulePeriodic(this)
            // Pull the grid right away while the worker is still on a good connection.
            requestSync(it)
        }
    }

    private suspend fun ready(repo: GridfieldRepository): Session {
        // Every submit (inspection, hazard, report, case) takes the last known fix.
        repo.locationSource = LocationSource { lastKnownFix(this) }
        // The controller reads the pending count and `identity` is an FFI call: both on IO.
        val session = try {
            val labels = Labels.load()
            IoBackground.io { Session(repo, repo.syncController(), repo.identity, labels) }
        } catch (t: Throwable) {
            repo.close()
            throw t
        }
        session.repository.setLang(currentLang(this))
        current.value = session
        return session
    }

    /** Whether the store was wiped because an administrator revoked this phone. */
    suspend fun wasRevoked(): Boolean = IoBackground.io { GridfieldRepository.wasRevoked(dataDir) }

    /**
     * The server revoked this phone and the core wiped its store: close what is
     * open so the root shows the enroll screen, which says why.
     */
    suspend fun forgetRevoked() = lock.withLock {
        current.value?.repository?.close()
        current.value = null
    }

    /**
     * The server found this phone's enrollment in use by another phone (a copy):
     * enroll again with a new code from the supervisor for the same person, keeping
     * everything recorded and queued. A refused code leaves the store as it was.
     */
    suspend fun reenroll(code: String, deviceName: String): Session = lock.withLock {
        // The old handle's identity is stale. The session stays set (a closed store) until
        // it is replaced, so the screen running this form is not torn down meanwhile;
        // the worker waits for the lock.
        current.value?.let { old ->
            old.sync.cancel()
            old.repository.close()
        }
        val repo = try {
            GridfieldRepository.reenroll(dataDir, keys, IoBackground, code, deviceName)
        } catch (t: Throwable) {
            // Nothing changed on the phone: open it again so the app goes on, and say why.
            runCatching { ready(GridfieldRepository.open(dataDir, keys, IoBackground)) }
            throw t
        }
        ready(repo).also { requestSync(it) }
    }

    /** A write was made on the phone: get it to the server when there is a network. */
    fun afterLocalWrite() = requestSync(current.value)

    private fun requestSync(session: Session?) {
        // The request is taken now, after the write committed; WorkManager is asked off the main thread.
        val request = session?.sync?.requestRound()
        background.launch {
            try {
                SyncScheduler.syncSoon(this@GridfieldApp, request)
            } catch (e: CancellationException) {
                throw e
            } catch (t: Throwable) {
                // The periodic round still picks the write up; log the kind only.
                Log.w("Gridfield", "could not schedule sync: ${t.javaClass.simpleName}")
            }
        }
    }

    /** Work that outlives a screen (scheduling after a write). */
    private val background = CoroutineScope(SupervisorJob() + Dispatchers.Default)
}

/** The user's language for the core's own texts: English if the phone is in English, else Chinese. */
fun currentLang(context: Context): Lang {
    val locale: Locale = context.resources.configuration.locales[0]
    return if (locale.language == Locale.ENGLISH.language) Lang.EN else Lang.ZH
}

val Context.gridfieldApp: GridfieldApp get() = applicationContext as GridfieldApp
