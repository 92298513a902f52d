// One hazard and its lifecycle (已上报 → 已交办 → 整改中 → 已整改 → 已核查 → 已销号):
// its history, and the steps this role may take now (from HazardDetail.actions), each
// with a note, photos, and for assignment an assignee and a deadline.
@file:OptIn(ExperimentalMaterial3Api::class)

package cn.gridfield.app.ui.hazard

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.rememberDatePickerState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.FullScreenLoading
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LabeledValue
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.rememberPhotoCapture
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.HazardAction
import cn.gridfield.ffi.HazardDetail
import cn.gridfield.ffi.Lang
import java.time.Instant
import java.time.LocalTime
import java.time.ZoneId
import java.time.ZoneOffset
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class HazardDetailViewModel(
    private val session: Session,
    lang: Lang,
    private val app: GridfieldApp,
    private val id: String,
) : BaseViewModel(lang) {
    private val _detail = MutableStateFlow<HazardDetail?>(null)
    val detail: StateFlow<HazardDetail?> = _detail.asStateFlow()

    /** Photos taken for the step being prepared (already in the store). */
    private val _stepPhotos = MutableStateFlow<List<String>>(emptyList())
    val stepPhotos: StateFlow<List<String>> = _stepPhotos.asStateFlow()

    fun load() = launchSafely {
        val d = session.repository.hazard(id)
        session.labels.loadCategories(session.repository.store, listOf(d.hazard.category))
        _detail.value = d
    }

    fun addStepPhoto(jpeg: ByteArray) = launchSafely {
        _stepPhotos.value = _stepPhotos.value + session.repository.addPhoto(jpeg).hash
    }

    fun discardStep() {
        _stepPhotos.value = emptyList()
    }

    /** Takes the step; the core checks the role and the state and says why it refuses. */
    fun step(action: HazardAction, note: String, assignee: String, deadlineMs: Long?, done: () -> Unit) = launchSafely {
        session.repository.hazardStep(
            id,
            action,
            note = note.trim().ifBlank { null },
            assignee = assignee.trim().ifBlank { null },
            deadlineMs = deadlineMs,
            photos = _stepPhotos.value,
        )
        _stepPhotos.value = emptyList()
        app.afterLocalWrite()
        done()
        _detail.value = session.repository.hazard(id)
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun HazardDetailScreen(id: String, onBack: () -> Unit) {
    val vm = sessionViewModel { s, lang, app -> HazardDetailViewModel(s, lang, app, id) }
    val detail by vm.detail.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val labels = LocalSession.current.labels
    val lang = LocalLang.current
    var acting by rememberSaveable { mutableStateOf<HazardAction?>(null) }
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.hazard_title), onBack = onBack) { padding ->
        val d = detail
        if (d == null) {
            if (error != null) ErrorText(error, Modifier.padding(padding).padding(16.dp)) else FullScreenLoading()
            return@GridfieldScaffold
        }
        val h = d.hazard
        Column(
            Modifier.fillMaxSize().padding(padding).verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            Text(labels.category(h.category, lang), style = MaterialTheme.typography.headlineSmall)
            HazardRow(h) {}
            if (h.description.isNotBlank()) LabeledValue(stringResource(R.string.hazard_description), h.description)
            h.assignee?.let { LabeledValue(stringResource(R.string.hazard_assignee), it) }
            h.deadline?.let {
                LabeledValue(stringResource(R.string.hazard_deadline), formatDate(it))
                if (h.overdue) Text(stringResource(R.string.hazard_overdue_long), color = Danger)
            }
            PhotoStrip(h.photos)
            ErrorText(error)

            if (d.actions.isNotEmpty()) {
                SectionTitle(stringResource(R.string.hazard_actions))
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    d.actions.forEach { a ->
                        Button(onClick = { acting = a }) { Text(labels.action(a, lang)) }
                    }
                }
            }

            SectionTitle(stringResource(R.string.hazard_history))
            d.events.forEach { e ->
                Column(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                    Text(
                        listOfNotNull(e.action?.let { labels.action(it, lang) }, labels.status(e.toStatus, lang)).joinToString(" → "),
                        style = MaterialTheme.typography.bodyLarge,
                    )
                    Text("${formatTime(e.at)} · ${e.actor}", style = MaterialTheme.typography.bodySmall)
                    e.assignee?.let { Text(stringResource(R.string.hazard_assignee_value, it), style = MaterialTheme.typography.bodySmall) }
                    e.deadline?.let { Text(stringResource(R.string.hazard_deadline_short, formatDate(it)), style = MaterialTheme.typography.bodySmall) }
                    e.note?.let { Text(it) }
                    PhotoStrip(e.photos)
                }
            }
            DeliveryBadge(h.delivery)
        }
    }

    acting?.let { action ->
        StepDialog(
            action = action,
            vm = vm,
            onDismiss = {
                vm.discardStep()
                acting = null
            },
        )
    }
}

@Composable
private fun StepDialog(action: HazardAction, vm: HazardDetailViewModel, onDismiss: () -> Unit) {
    val labels = LocalSession.current.labels
    val lang = LocalLang.current
    val photos by vm.stepPhotos.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    var note by rememberSaveable { mutableStateOf("") }
    var assignee by rememberSaveable { mutableStateOf("") }
    var deadline by rememberSaveable { mutableStateOf<Long?>(null) }
    var picking by rememberSaveable { mutableStateOf(false) }
    val capture = rememberPhotoCapture(vm::addStepPhoto)
    val assigning = action == HazardAction.ASSIGN

    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(labels.action(action, lang)) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                if (assigning) {
                    OutlinedTextField(
                        value = assignee,
                        onValueChange = { assignee = it },
                        label = { Text(stringResource(R.string.hazard_assignee)) },
                        singleLine = true,
                    )
                    OutlinedButton(onClick = { picking = true }) {
                        Text(deadline?.let { stringResource(R.string.hazard_deadline_short, formatDate(it)) } ?: stringResource(R.string.hazard_pick_deadline))
                    }
                }
                OutlinedTextField(value = note, onValueChange = { note = it }, label = { Text(stringResource(R.string.hazard_note)) })
                PhotoStrip(photos)
                TextButton(onClick = capture) { Text(stringResource(R.string.hazard_add_photo)) }
                ErrorText(error)
            }
        },
        confirmButton = {
            Button(
                onClick = { vm.step(action, note, assignee, deadline, onDismiss) },
                enabled = !busy && (!assigning || (assignee.isNotBlank() && deadline != null)),
            ) { Text(stringResource(R.string.confirm)) }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) } },
    )

    if (picking) {
        val state = rememberDatePickerState(
            initialSelectedDateMillis = deadline?.let { toPickerDate(it) },
            selectableDates = FutureDates,
        )
        DatePickerDialog(
            onDismissRequest = { picking = false },
            confirmButton = {
                TextButton(onClick = {
                    state.selectedDateMillis?.let { deadline = endOfLocalDay(it) }
                    picking = false
                }) { Text(stringResource(R.string.confirm)) }
            },
            dismissButton = { TextButton(onClick = { picking = false }) { Text(stringResource(R.string.cancel)) } },
        ) { DatePicker(state) }
    }
}

/** Deadlines from today on: assigning one in the past would be overdue at once. */
private object FutureDates : androidx.compose.material3.SelectableDates {
    override fun isSelectableDate(utcTimeMillis: Long): Boolean {
        val today = java.time.LocalDate.now().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
        return utcTimeMillis >= today
    }
}

/** The picker speaks UTC midnight; a deadline means the end of that day where the worker is. */
private fun endOfLocalDay(pickerUtcMs: Long): Long =
    Instant.ofEpochMilli(pickerUtcMs).atZone(ZoneOffset.UTC).toLocalDate()
        .atTime(LocalTime.of(23, 59, 59)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli()

private fun toPickerDate(ms: Long): Long =
    Instant.ofEpochMilli(ms).atZone(ZoneId.systemDefault()).toLocalDate()
        .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
