// Points (积分) and the volunteer's reports: what was accepted, dismissed or still
// waiting, with the supervisor's note and whether each report has reached the server.
package cn.gridfield.app.ui.report

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Ok
import cn.gridfield.app.ui.Warning
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.Tag
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.Report
import cn.gridfield.ffi.ReportStatus
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class PointsViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _points = MutableStateFlow(0L)
    val points: StateFlow<Long> = _points.asStateFlow()
    private val _reports = MutableStateFlow<List<Report>>(emptyList())
    val reports: StateFlow<List<Report>> = _reports.asStateFlow()

    fun load() = launchSafely {
        _points.value = session.repository.points()
        _reports.value = session.repository.reports().sortedByDescending { it.createdAt }
    }
}

@Composable
fun reportStatusText(status: ReportStatus): String = stringResource(
    when (status) {
        ReportStatus.PENDING -> R.string.report_pending
        ReportStatus.ACCEPTED -> R.string.report_accepted
        ReportStatus.DISMISSED -> R.string.report_dismissed
    },
)

@Composable
fun PointsScreen(onBack: () -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> PointsViewModel(s, lang) }
    val points by vm.points.collectAsStateWithLifecycle()
    val reports by vm.reports.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.points_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            item {
                Text(
                    stringResource(R.string.points_value, points),
                    style = MaterialTheme.typography.displaySmall,
                    modifier = Modifier.padding(vertical = 16.dp),
                )
                Text(stringResource(R.string.points_explain), style = MaterialTheme.typography.bodySmall)
                ErrorText(error)
            }
            if (reports.isEmpty()) item { Text(stringResource(R.string.none), modifier = Modifier.padding(vertical = 16.dp)) }
            items(reports, key = { it.id }) { r ->
                Column(Modifier.fillMaxWidth().padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(r.addressText, style = MaterialTheme.typography.bodySmall)
                    Text(r.text)
                    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
                        val color = when (r.status) {
                            ReportStatus.PENDING -> Warning
                            ReportStatus.ACCEPTED -> Ok
                            ReportStatus.DISMISSED -> Danger
                        }
                        Tag(reportStatusText(r.status), color)
                        if (r.points > 0) Text(stringResource(R.string.points_earned, r.points), color = Ok)
                        Text(formatTime(r.createdAt), style = MaterialTheme.typography.bodySmall)
                        DeliveryBadge(r.delivery)
                    }
                    r.decisionNote?.let { Text(stringResource(R.string.report_decision_note, it), style = MaterialTheme.typography.bodySmall) }
                    PhotoStrip(r.photos)
                }
                HorizontalDivider()
            }
        }
    }
}
