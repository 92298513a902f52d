// The volunteer's report (上报): pick the address by scanning its plate or from the
// list, choose a category (the synced case taxonomy), describe the problem, add
// photos, send. It is saved on the phone at once and
// goes to the server with the next sync; accepted reports earn points (积分).
package cn.gridfield.app.ui.report

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.foundation.layout.Box
import androidx.compose.material3.Button
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LabeledValue
import cn.gridfield.app.ui.common.LocationPermissionNote
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.rememberPhotoCapture
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.CaseType
import cn.gridfield.ffi.Lang
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

data class ReportDraft(
    /** The address as the person sees it: from the phone's record or from the plate. */
    val addressLabel: String? = null,
    val text: String = "",
    val photos: List<String> = emptyList(),
    /** A code of the case taxonomy, or none (the supervisor may categorise it). */
    val category: String? = null,
    val filedId: String? = null,
)

class ReportViewModel(
    private val session: Session,
    lang: Lang,
    private val app: GridfieldApp,
    private val addressCode: String?,
    /** Set when the plate is outside this phone's grid: the report carries it. */
    private val plateAddressText: String?,
) : BaseViewModel(lang) {
    private val _draft = MutableStateFlow(ReportDraft(addressLabel = plateAddressText))
    val draft: StateFlow<ReportDraft> = _draft.asStateFlow()
    private val _categories = MutableStateFlow<List<CaseType>>(emptyList())
    val categories: StateFlow<List<CaseType>> = _categories.asStateFlow()

    init {
        launchSafely { _categories.value = session.repository.reportCategories() }
        if (addressCode != null && plateAddressText == null) {
            launchSafely {
                val text = session.repository.address(addressCode).address.fullText
                _draft.update { it.copy(addressLabel = text) }
            }
        }
    }

    fun setText(t: String) = _draft.update { it.copy(text = t) }

    fun setCategory(code: String?) = _draft.update { it.copy(category = code) }

    fun addPhoto(jpeg: ByteArray) = launchSafely {
        val hash = session.repository.addPhoto(jpeg).hash
        _draft.update { it.copy(photos = it.photos + hash) }
    }

    fun file() {
        val code = addressCode ?: return
        val d = _draft.value
        if (d.text.isBlank() || busy.value) return
        launchSafely {
            // The repository takes the last known fix now, never waiting for one.
            val id = session.repository.fileReport(code, d.text.trim(), d.photos, plateAddressText, category = d.category)
            app.afterLocalWrite()
            _draft.update { it.copy(filedId = id) }
        }
    }
}

@Composable
fun ReportScreen(
    addressCode: String?,
    addressText: String?,
    onBack: () -> Unit,
    onScan: () -> Unit,
    onPick: () -> Unit,
    onFiled: () -> Unit,
) {
    val vm = sessionViewModel { s, lang, app -> ReportViewModel(s, lang, app, addressCode, addressText) }
    val draft by vm.draft.collectAsStateWithLifecycle()
    val categories by vm.categories.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val capture = rememberPhotoCapture(vm::addPhoto)
    LaunchedEffect(draft.filedId) { if (draft.filedId != null) onFiled() }

    GridfieldScaffold(title = stringResource(R.string.report_title), onBack = onBack) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (addressCode == null) {
                Text(stringResource(R.string.report_choose_address))
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Button(onClick = onScan) { Text(stringResource(R.string.report_scan)) }
                    OutlinedButton(onClick = onPick) { Text(stringResource(R.string.report_pick)) }
                }
                return@Column
            }
            LabeledValue(stringResource(R.string.report_address), draft.addressLabel ?: addressCode)
            LocationPermissionNote()
            CategoryPicker(categories, draft.category, vm::setCategory)
            OutlinedTextField(
                value = draft.text,
                onValueChange = vm::setText,
                label = { Text(stringResource(R.string.report_text)) },
                placeholder = { Text(stringResource(R.string.report_text_hint)) },
                modifier = Modifier.fillMaxWidth().heightIn(min = 120.dp),
            )
            PhotoStrip(draft.photos)
            OutlinedButton(onClick = capture) { Text(stringResource(R.string.report_add_photo)) }
            ErrorText(error)
            Button(onClick = vm::file, enabled = draft.text.isNotBlank() && !busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.report_send))
            }
            Text(stringResource(R.string.report_offline_note), style = MaterialTheme.typography.bodySmall)
        }
    }
}

/** The report's category from the synced taxonomy; subtypes indented under their type. */
@Composable
private fun CategoryPicker(categories: List<CaseType>, selected: String?, onPick: (String?) -> Unit) {
    var open by remember { mutableStateOf(false) }
    val label = categories.firstOrNull { it.code == selected }?.label ?: stringResource(R.string.report_category_none)
    Box {
        OutlinedButton(onClick = { open = true }, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.report_category, label))
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            DropdownMenuItem(text = { Text(stringResource(R.string.report_category_none)) }, onClick = {
                onPick(null)
                open = false
            })
            categories.forEach { c ->
                DropdownMenuItem(text = { Text(if (c.parent == null) c.label else "\u3000" + c.label) }, onClick = {
                    onPick(c.code)
                    open = false
                })
            }
        }
    }
}
