// The sync screen's "what happened and what you can do" block: the problem in a plain
// sentence, the core's reason for the last failure, and one button per action the
// JVM layer offers, including the re-enroll form for a phone found to be a copy.
package cn.gridfield.app.ui.sync

import android.os.Build
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import cn.gridfield.app.R
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.data.BackgroundBlock
import cn.gridfield.data.SyncAction
import cn.gridfield.data.SyncProblem
import cn.gridfield.data.SyncStatus

@Composable
fun StatusAdvice(
    status: SyncStatus,
    running: Boolean,
    busy: Boolean,
    onRetry: () -> Unit,
    onNetwork: () -> Unit,
    onBattery: () -> Unit,
    onReenroll: (code: String, deviceName: String) -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        if (status.photosPending > 0) Text(stringResource(R.string.sync_pending_photos, status.photosPending))
        status.lastSuccess?.let { Text(stringResource(R.string.sync_last_success, formatTime(it))) }
        problemText(status.problem)?.let { Text(it, color = Danger, style = MaterialTheme.typography.titleMedium) }
        status.lastError?.let { Text(stringResource(R.string.sync_why, it), color = Danger) }
        when (val b = status.background) {
            is BackgroundBlock.Late -> Text(stringResource(R.string.sync_background_late, b.hours), color = Danger)
            is BackgroundBlock.StoppedBySystem -> Text(stringResource(R.string.sync_background_stopped), color = Danger)
            BackgroundBlock.None -> {}
        }
        for (action in status.actions) {
            when (action) {
                SyncAction.RETRY_NOW -> Button(onClick = onRetry, enabled = !running) { Text(stringResource(R.string.sync_now)) }
                SyncAction.CONNECT_NETWORK -> OutlinedButton(onClick = onNetwork) { Text(stringResource(R.string.sync_connect_network)) }
                SyncAction.ALLOW_BACKGROUND -> OutlinedButton(onClick = onBattery) { Text(stringResource(R.string.sync_allow_background)) }
                SyncAction.ASK_SUPERVISOR -> Text(stringResource(R.string.sync_ask_supervisor))
                SyncAction.UPDATE_APP -> Text(stringResource(R.string.sync_update_app))
                SyncAction.REENROLL -> ReenrollForm(busy, onReenroll)
            }
        }
    }
}

@Composable
private fun problemText(problem: SyncProblem): String? = when (problem) {
    SyncProblem.NONE -> null
    SyncProblem.OFFLINE -> stringResource(R.string.sync_problem_offline)
    SyncProblem.SERVER_UNREACHABLE -> stringResource(R.string.sync_problem_unreachable)
    SyncProblem.CLONED -> stringResource(R.string.sync_needs_reenroll)
    SyncProblem.REFUSED -> stringResource(R.string.sync_problem_refused)
    SyncProblem.UPDATE_REQUIRED -> stringResource(R.string.sync_problem_update)
}

/** A new one-time code from the supervisor for the same person; nothing on the phone is lost. */
@Composable
private fun ReenrollForm(busy: Boolean, onReenroll: (code: String, deviceName: String) -> Unit) {
    var code by rememberSaveable { mutableStateOf("") }
    var name by rememberSaveable { mutableStateOf(Build.MODEL.orEmpty()) }
    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Text(stringResource(R.string.reenroll_hint))
        OutlinedTextField(code, { code = it }, label = { Text(stringResource(R.string.enroll_code)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(name, { name = it }, label = { Text(stringResource(R.string.enroll_device_name)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
        Button(onClick = { onReenroll(code, name) }, enabled = !busy && code.isNotBlank() && name.isNotBlank()) {
            Text(stringResource(R.string.reenroll_submit))
        }
    }
}
