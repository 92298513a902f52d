// Points (积分), offline from the last sync: the balance the server confirmed and
// what may still be spent, the ledger (awards, deductions, redemptions,
// corrections), vouchers (代金券) issued on this phone with their QR codes for the
// shop, a form to issue one, and the volunteer's reports with their decisions.
package cn.gridfield.app.ui.report

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.GridfieldApp
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
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.Tag
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.IssuedVoucher
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.PointsSummary
import cn.gridfield.ffi.QrMatrix
import cn.gridfield.ffi.Report
import cn.gridfield.ffi.ReportStatus
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class PointsViewModel(private val session: Session, lang: Lang, private val app: GridfieldApp) : BaseViewModel(lang) {
    private val _summary = MutableStateFlow<PointsSummary?>(null)
    val summary: StateFlow<PointsSummary?> = _summary.asStateFlow()
    private val _reports = MutableStateFlow<List<Report>>(emptyList())
    val reports: StateFlow<List<Report>> = _reports.asStateFlow()

    fun load() = launchSafely {
        _summary.value = session.repository.pointsSummary()
        _reports.value = session.repository.reports().sortedByDescending { it.createdAt }
    }

    /** Issues a voucher offline; the core refuses more than may be spent, with its reason. */
    fun issue(amount: String, shop: String, days: String, done: () -> Unit) = launchSafely {
        val points = amount.trim().toLongOrNull() ?: 0L
        session.repository.issueVoucher(points, shop, days.trim().toIntOrNull() ?: 30)
        app.afterLocalWrite()
        _summary.value = session.repository.pointsSummary()
        done()
    }

    fun qr(token: String): QrMatrix? = session.repository.qrCode(token)

    /** Named or anonymous (匿名志愿者) on the grid's leaderboard, from the next sync. */
    fun setOptOut(out: Boolean, done: () -> Unit) = launchSafely {
        session.repository.setLeaderboardOptOut(out)
        app.afterLocalWrite()
        done()
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
    val vm = sessionViewModel { s, lang, app -> PointsViewModel(s, lang, app) }
    val summary by vm.summary.collectAsStateWithLifecycle()
    val reports by vm.reports.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.points_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            item {
                Text(
                    stringResource(R.string.points_value, summary?.balance ?: 0L),
                    style = MaterialTheme.typography.displaySmall,
                    modifier = Modifier.padding(top = 16.dp),
                )
                Text(stringResource(R.string.points_spendable, summary?.spendable ?: 0L))
                Text(stringResource(R.string.points_explain), style = MaterialTheme.typography.bodySmall)
                ErrorText(error)
                VoucherForm(busy) { a, s, d, done -> vm.issue(a, s, d, done) }
                LeaderboardChoice(busy) { out, done -> vm.setOptOut(out, done) }
            }
            val vouchers = summary?.vouchers.orEmpty()
            if (vouchers.isNotEmpty()) item { SectionTitle(stringResource(R.string.voucher_list)) }
            items(vouchers, key = { "v-${it.id}" }) { v -> VoucherRow(v, vm::qr) }

            item { SectionTitle(stringResource(R.string.points_ledger)) }
            val entries = summary?.entries.orEmpty()
            if (entries.isEmpty()) item { Text(stringResource(R.string.none)) }
            items(entries, key = { "e-${it.id}" }) { e ->
                Row(
                    Modifier.fillMaxWidth().padding(vertical = 6.dp),
                    horizontalArrangement = Arrangement.spacedBy(8.dp),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(formatTime(e.at), style = MaterialTheme.typography.bodySmall)
                    Text(e.kindLabel)
                    Text("%+d".format(e.points), color = if (e.points >= 0) Ok else Danger)
                    if (!e.counted) Tag(stringResource(R.string.points_waiting), Warning)
                }
                if (e.reason.isNotBlank()) Text(e.reason, style = MaterialTheme.typography.bodySmall)
            }

            item { SectionTitle(stringResource(R.string.points_reports)) }
            if (reports.isEmpty()) item { Text(stringResource(R.string.none), modifier = Modifier.padding(vertical = 16.dp)) }
            items(reports, key = { it.id }) { r ->
                Column(Modifier.fillMaxWidth().padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(r.addressText, style = MaterialTheme.typography.bodySmall)
                    r.categoryLabel?.let { Text(it, style = MaterialTheme.typography.labelMedium) }
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

@Composable
private fun VoucherForm(busy: Boolean, issue: (String, String, String, () -> Unit) -> Unit) {
    var amount by remember { mutableStateOf("") }
    var shop by remember { mutableStateOf("") }
    var days by remember { mutableStateOf("30") }
    Column(Modifier.padding(vertical = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SectionTitle(stringResource(R.string.voucher_title))
        OutlinedTextField(
            value = amount,
            onValueChange = { amount = it.filter(Char::isDigit) },
            label = { Text(stringResource(R.string.voucher_amount)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = shop,
            onValueChange = { shop = it },
            label = { Text(stringResource(R.string.voucher_shop)) },
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = days,
            onValueChange = { days = it.filter(Char::isDigit) },
            label = { Text(stringResource(R.string.voucher_days)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            modifier = Modifier.fillMaxWidth(),
        )
        Button(
            onClick = { issue(amount, shop, days) { amount = "" } },
            enabled = amount.isNotBlank() && !busy,
            modifier = Modifier.fillMaxWidth(),
        ) { Text(stringResource(R.string.voucher_issue)) }
        Text(stringResource(R.string.voucher_offline_note), style = MaterialTheme.typography.bodySmall)
    }
}

@Composable
private fun VoucherRow(v: IssuedVoucher, qr: (String) -> QrMatrix?) {
    var shown by remember { mutableStateOf(false) }
    Column(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
        Text(stringResource(R.string.voucher_line, v.amount, v.shop ?: stringResource(R.string.voucher_any_shop), formatDate(v.expiresAt)))
        val status = when (val s = v.serverStatus) {
            null -> stringResource(R.string.voucher_not_synced)
            "recorded" -> stringResource(R.string.voucher_recorded)
            else -> stringResource(R.string.voucher_refused, s)
        }
        Text(status, style = MaterialTheme.typography.bodySmall)
        TextButton(onClick = { shown = !shown }) {
            Text(stringResource(if (shown) R.string.voucher_hide_qr else R.string.voucher_show_qr))
        }
        if (shown) qr(v.token)?.let { QrCode(it) }
    }
}

/** The core's QR modules drawn black on white, with the four-module quiet zone. */
@Composable
private fun QrCode(m: QrMatrix) {
    val n = m.size.toInt()
    Canvas(Modifier.size(240.dp).background(Color.White)) {
        val cell = size.minDimension / (n + 8)
        for (y in 0 until n) for (x in 0 until n) {
            if (m.dark[y * n + x]) {
                drawRect(Color.Black, Offset((x + 4) * cell, (y + 4) * cell), Size(cell, cell))
            }
        }
    }
}

/** Whether the grid's leaderboard names this volunteer; the choice reaches the server at the next sync. */
@Composable
private fun LeaderboardChoice(busy: Boolean, choose: (Boolean, () -> Unit) -> Unit) {
    var sent by remember { mutableStateOf<Boolean?>(null) }
    SectionTitle(stringResource(R.string.leaderboard_title))
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        TextButton(enabled = !busy, onClick = { choose(false) { sent = false } }) {
            Text(stringResource(R.string.leaderboard_named))
        }
        TextButton(enabled = !busy, onClick = { choose(true) { sent = true } }) {
            Text(stringResource(R.string.leaderboard_anonymous))
        }
    }
    sent?.let {
        Text(
            stringResource(if (it) R.string.leaderboard_anonymous_sent else R.string.leaderboard_named_sent),
            style = MaterialTheme.typography.bodySmall,
        )
    }
}
