// Home: what this person can do, by role. A volunteer sees scanning, reporting and
// points only; grid workers and supervisors see their grid, hazards and inspections.
// Every role sees the sync state, because "did it reach the server?" matters to all.
package cn.gridfield.app.ui.home

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Routes
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.asFlow
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.app.ui.scan.ScanPurpose
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.sync.SyncHealthStore
import cn.gridfield.data.BackgroundBlock
import cn.gridfield.data.SyncState
import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.Role
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn

data class HomeCounts(val overdue: Int = 0, val returned: Int = 0, val drafts: Int = 0, val points: Long = 0)

class HomeViewModel(private val session: Session, lang: Lang, private val app: GridfieldApp) : BaseViewModel(lang) {
    private val _counts = MutableStateFlow(HomeCounts())
    val counts: StateFlow<HomeCounts> = _counts.asStateFlow()

    /** Something the worker must act on for sync to go on: a battery manager, a copied phone. */
    private val _attention = MutableStateFlow(false)
    val attention: StateFlow<Boolean> = _attention.asStateFlow()
    val sync: StateFlow<SyncState> = session.sync.state.asFlow()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), session.sync.state.value)

    fun refresh() = launchSafely {
        val repo = session.repository
        _attention.value = SyncHealthStore(app).assess() != BackgroundBlock.None || repo.diagnostics().needsReenroll
        _counts.value = if (session.identity.role == Role.VOLUNTEER) {
            HomeCounts(points = repo.points())
        } else {
            HomeCounts(
                overdue = repo.overdueHazards().size,
                returned = repo.inspections(ReviewStatus.RETURNED).size,
                drafts = repo.inspections(ReviewStatus.DRAFT).size,
            )
        }
    }
}

@Composable
fun HomeScreen(identity: DeviceIdentity, navigate: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, app -> HomeViewModel(s, lang, app) }
    val counts by vm.counts.collectAsStateWithLifecycle()
    val sync by vm.sync.collectAsStateWithLifecycle()
    val attention by vm.attention.collectAsStateWithLifecycle()
    val lang = LocalLang.current
    val labels = LocalSession.current.labels
    // Back from a checklist or a sync: the figures may have changed.
    LaunchedEffect(sync is SyncState.Running) { vm.refresh() }

    GridfieldScaffold(
        title = stringResource(R.string.app_name),
        actions = {
            IconButton(onClick = { navigate(Routes.SYNC) }) {
                Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.sync_title))
            }
        },
    ) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(
                stringResource(R.string.home_who, identity.user, labels.role(identity.role, lang)),
                style = MaterialTheme.typography.titleMedium,
            )
            SyncSummary(sync) { navigate(Routes.SYNC) }
            if (attention) {
                Text(
                    stringResource(R.string.home_sync_attention),
                    color = Danger,
                    modifier = Modifier.clickable { navigate(Routes.SYNC) },
                )
            }
            if (identity.role == Role.VOLUNTEER) {
                Tile(stringResource(R.string.home_scan), stringResource(R.string.home_scan_volunteer_hint)) {
                    navigate(Routes.scan(ScanPurpose.REPORT))
                }
                Tile(stringResource(R.string.home_report), stringResource(R.string.home_report_hint)) {
                    navigate(Routes.report())
                }
                Tile(stringResource(R.string.home_points), stringResource(R.string.points_value, counts.points)) {
                    navigate(Routes.POINTS)
                }
            } else {
                Tile(stringResource(R.string.home_grid), stringResource(R.string.home_grid_hint)) { navigate(Routes.grid()) }
                Tile(stringResource(R.string.home_scan), stringResource(R.string.home_scan_hint)) {
                    navigate(Routes.scan(ScanPurpose.VIEW))
                }
                Tile(
                    stringResource(R.string.home_hazards),
                    stringResource(R.string.home_hazards_overdue, counts.overdue),
                    highlight = counts.overdue > 0,
                ) { navigate(Routes.HAZARDS) }
                Tile(stringResource(R.string.home_cases), stringResource(R.string.home_cases_hint)) { navigate(Routes.CASES) }
                Tile(
                    stringResource(R.string.home_inspections),
                    stringResource(R.string.home_inspections_counts, counts.returned, counts.drafts),
                    highlight = counts.returned > 0,
                ) { navigate(Routes.INSPECTIONS) }
                Tile(stringResource(R.string.home_report), stringResource(R.string.home_report_hint)) {
                    navigate(Routes.report())
                }
            }
        }
    }
}

@Composable
private fun SyncSummary(state: SyncState, onClick: () -> Unit) {
    val text = when (state) {
        is SyncState.Running -> stringResource(R.string.sync_running)
        is SyncState.Failed -> stringResource(R.string.sync_failed_short, state.pending)
        else -> if (state.pending == 0L) stringResource(R.string.sync_all_sent) else stringResource(R.string.sync_pending_count, state.pending)
    }
    Row(Modifier.fillMaxWidth().clickable(onClick = onClick), verticalAlignment = Alignment.CenterVertically) {
        Icon(Icons.Filled.Refresh, contentDescription = null)
        Spacer(Modifier.width(8.dp))
        Text(text, color = if (state is SyncState.Failed) Danger else Color.Unspecified)
    }
}

@Composable
private fun Tile(title: String, subtitle: String, highlight: Boolean = false, onClick: () -> Unit) {
    Card(Modifier.fillMaxWidth().clickable(onClick = onClick)) {
        Column(Modifier.padding(16.dp)) {
            Text(title, style = MaterialTheme.typography.titleLarge)
            Text(subtitle, color = if (highlight) Danger else MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}
