// Sync status: what waits on this phone (changes, photos) and where each record
// stands, what failed and why (the core's own sentence), and what the worker can do:
// sync now, connect to a network, let the app run in the background (battery guide),
// or, for a phone found to be a copy, enter a new enrollment code (re-enroll form).
// What to say is decided by the JVM layer's syncStatus(); nothing here is needed for
// sync to happen: WorkManager runs it when there is a network.
package cn.gridfield.app.ui.sync

import android.content.Context
import android.content.Intent
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.provider.Settings
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Ok
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.asFlow
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.app.sync.SyncHealthStore
import cn.gridfield.data.SyncState
import cn.gridfield.data.SyncStatus
import cn.gridfield.data.syncStatus
import cn.gridfield.ffi.Delivery
import cn.gridfield.ffi.Diagnostics
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.PendingOperation
import cn.gridfield.ffi.SyncPhase
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch

/** A record of this phone's with where it is on its way to the server. */
data class RecordState(val title: String, val at: Long, val delivery: Delivery)

class SyncViewModel(private val session: Session, lang: Lang, private val app: GridfieldApp) : BaseViewModel(lang) {
    private val _status = MutableStateFlow<SyncStatus?>(null)
    val status: StateFlow<SyncStatus?> = _status.asStateFlow()

    val state: StateFlow<SyncState> = session.sync.state.asFlow()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), session.sync.state.value)

    private val _pending = MutableStateFlow<List<PendingOperation>>(emptyList())
    val pending: StateFlow<List<PendingOperation>> = _pending.asStateFlow()
    private val _diagnostics = MutableStateFlow<Diagnostics?>(null)
    val diagnostics: StateFlow<Diagnostics?> = _diagnostics.asStateFlow()
    private val _records = MutableStateFlow<List<RecordState>>(emptyList())
    val records: StateFlow<List<RecordState>> = _records.asStateFlow()

    fun load() = launchSafely {
        val repo = session.repository
        _pending.value = repo.pendingOperations()
        val d = repo.diagnostics()
        _diagnostics.value = d
        _status.value = syncStatus(d, session.sync.state.value, isOnline(app), SyncHealthStore(app).assess(), lang)
        val labels = session.labels
        val hazards = repo.hazards()
        labels.loadCategories(repo.store, hazards.map { it.category })
        _records.value = buildList {
            val inspection = app.getString(R.string.op_inspection)
            val hazard = app.getString(R.string.op_hazard)
            val report = app.getString(R.string.op_report)
            repo.inspections().forEach {
                add(RecordState("$inspection · ${labels.review(it.reviewStatus, lang)}", it.finishedAt ?: it.startedAt, it.delivery))
            }
            hazards.forEach { add(RecordState("$hazard · ${labels.category(it.category, lang)}", it.updatedAt, it.delivery)) }
            repo.reports().forEach { add(RecordState("$report · ${it.text.take(40)}", it.createdAt, it.delivery)) }
        }.sortedByDescending { it.at }.take(100)
    }

    fun syncNow() {
        viewModelScope.launch {
            val result = session.sync.syncNow()
            // No network now: WorkManager takes over and runs it when the network is back.
            if (result is SyncState.Failed && result.retryable) app.afterLocalWrite()
            if (result is SyncState.Failed && result.revoked) {
                app.forgetRevoked()
                return@launch
            }
            load()
        }
    }

    fun cancel() = session.sync.cancel()

    /** The re-enroll form: a new code from the supervisor; the session is replaced on success. */
    fun reenroll(code: String, deviceName: String) = launchSafely {
        app.reenroll(code.trim(), deviceName.trim())
    }
}

private fun isOnline(context: Context): Boolean {
    val cm = context.getSystemService(ConnectivityManager::class.java)
    val caps = cm.getNetworkCapabilities(cm.activeNetwork) ?: return false
    return caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
}

@Composable
fun SyncScreen(onBack: () -> Unit, onBatteryGuide: () -> Unit) {
    val vm = sessionViewModel { s, lang, app -> SyncViewModel(s, lang, app) }
    val state by vm.state.collectAsStateWithLifecycle()
    val pending by vm.pending.collectAsStateWithLifecycle()
    val diagnostics by vm.diagnostics.collectAsStateWithLifecycle()
    val records by vm.records.collectAsStateWithLifecycle()
    val status by vm.status.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val error by vm.error.collectAsStateWithLifecycle()
    val lang = LocalLang.current
    LaunchedEffect(state is SyncState.Running) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.sync_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            item {
                Column(Modifier.padding(vertical = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(
                        stringResource(R.string.sync_pending_count, state.pending),
                        style = MaterialTheme.typography.headlineSmall,
                    )
                    StateLine(state, lang)
                    status?.let { st ->
                        StatusAdvice(
                            st,
                            running = state is SyncState.Running,
                            busy = busy,
                            onRetry = vm::syncNow,
                            onNetwork = { context.startActivity(Intent(Settings.ACTION_WIRELESS_SETTINGS).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)) },
                            onBattery = onBatteryGuide,
                            onReenroll = vm::reenroll,
                        )
                    }
                    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        OutlinedButton(onClick = vm::cancel, enabled = state is SyncState.Running) {
                            Text(stringResource(R.string.cancel))
                        }
                        OutlinedButton(onClick = onBatteryGuide) { Text(stringResource(R.string.battery_title)) }
                    }
                    ErrorText(error)
                    diagnostics?.let { d ->
                        d.lastError?.let { e -> Text(stringResource(R.string.sync_last_error_at, formatTime(e.at)), style = MaterialTheme.typography.bodySmall) }
                        d.serverUrl?.let { Text(stringResource(R.string.sync_server, it), style = MaterialTheme.typography.bodySmall) }
                    }
                }
            }
            if (pending.isNotEmpty()) {
                item { SectionTitle(stringResource(R.string.sync_queue)) }
                items(pending, key = { it.opId }) { op ->
                    Column(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                        Text(operationLabel(op.kind))
                        Text(
                            stringResource(R.string.sync_op_detail, formatTime(op.createdAt), op.attempts),
                            style = MaterialTheme.typography.bodySmall,
                        )
                        op.lastError?.let { Text(it, color = Danger, style = MaterialTheme.typography.bodySmall) }
                    }
                    HorizontalDivider()
                }
            }
            item { SectionTitle(stringResource(R.string.sync_records)) }
            items(records) { r ->
                Row(Modifier.fillMaxWidth().padding(vertical = 6.dp), verticalAlignment = Alignment.CenterVertically) {
                    Column(Modifier.weight(1f)) {
                        Text(r.title, maxLines = 1)
                        Text(formatTime(r.at), style = MaterialTheme.typography.bodySmall)
                    }
                    DeliveryBadge(r.delivery)
                }
            }
        }
    }
}

@Composable
private fun StateLine(state: SyncState, lang: Lang) {
    when (state) {
        is SyncState.Idle -> Text(stringResource(R.string.sync_idle))
        is SyncState.Running -> {
            val p = state.progress
            val phase = when (p?.phase) {
                SyncPhase.PHOTOS -> R.string.sync_phase_photos
                SyncPhase.PUSH -> R.string.sync_phase_push
                SyncPhase.PULL -> R.string.sync_phase_pull
                SyncPhase.DONE -> R.string.sync_phase_done
                null -> R.string.sync_running
            }
            Text(stringResource(phase))
            if (p != null && p.total > 0UL) {
                LinearProgressIndicator(
                    progress = { (p.done.toDouble() / p.total.toDouble()).toFloat().coerceIn(0f, 1f) },
                    modifier = Modifier.fillMaxWidth(),
                )
            } else {
                LinearProgressIndicator(Modifier.fillMaxWidth())
            }
        }
        is SyncState.Succeeded -> {
            val r = state.report
            Text(stringResource(R.string.sync_succeeded, r.pushed.toLong(), r.pulled.toLong()), color = Ok)
            if (r.rejected.isNotEmpty()) {
                Text(stringResource(R.string.sync_rejected, r.rejected.size), color = Danger)
                r.rejected.forEach { j -> Text(if (lang == Lang.EN) j.reasonEn ?: j.reason else j.reason, color = Danger) }
            }
            if (r.conflicts > 0UL) Text(stringResource(R.string.sync_conflicts, r.conflicts.toLong()))
            if (r.lost.isNotEmpty()) Text(stringResource(R.string.sync_lost, r.lost.size), color = Danger)
            if (r.serverRestored) Text(stringResource(R.string.sync_server_restored, r.reuploaded.toLong()))
            if (r.repaired) Text(stringResource(R.string.sync_repaired))
        }
        is SyncState.Cancelled -> Text(stringResource(R.string.sync_cancelled))
        is SyncState.Failed -> {
            Text(if (lang == Lang.EN) state.reasonEn else state.reason, color = Danger)
            Text(stringResource(if (state.retryable) R.string.sync_will_retry else R.string.sync_needs_action))
        }
    }
}

@Composable
private fun operationLabel(kind: String): String = when (kind) {
    "inspection_submit" -> stringResource(R.string.op_inspection_submit)
    "inspection_review" -> stringResource(R.string.op_inspection_review)
    "hazard_create" -> stringResource(R.string.op_hazard_create)
    "hazard_step" -> stringResource(R.string.op_hazard_step)
    "report_create" -> stringResource(R.string.op_report_create)
    "entity_upsert" -> stringResource(R.string.op_entity_upsert)
    "personal_data_revealed" -> stringResource(R.string.op_personal_data_revealed)
    else -> kind
}
