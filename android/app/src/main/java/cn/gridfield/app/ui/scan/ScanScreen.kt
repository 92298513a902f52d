// Scanning a door plate (数字门牌): the verdict is checked offline by the core. A genuine
// plate in this grid opens its address; a genuine plate elsewhere shows what it says;
// a forged or altered plate is flagged in red with the reason, on the spot.
package cn.gridfield.app.ui.scan

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Ok
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LabeledValue
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.data.PlateVerdict
import cn.gridfield.ffi.Lang
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/** Why the plate is scanned: to open the address (workers) or to report there (volunteers). */
enum class ScanPurpose { VIEW, REPORT }

class ScanViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _verdict = MutableStateFlow<PlateVerdict?>(null)
    val verdict: StateFlow<PlateVerdict?> = _verdict.asStateFlow()

    fun scan(qrText: String) {
        if (busy.value || _verdict.value != null) return
        launchSafely { _verdict.value = session.repository.scanPlate(qrText.trim()) }
    }

    fun again() {
        _verdict.value = null
        clearError()
    }
}

@Composable
fun ScanScreen(
    purpose: ScanPurpose,
    onBack: () -> Unit,
    onAddress: (String) -> Unit,
    onReport: (code: String, addressText: String?) -> Unit,
) {
    val vm = sessionViewModel { s, lang, _ -> ScanViewModel(s, lang) }
    val verdict by vm.verdict.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()

    // A genuine plate in this grid goes straight to where the person wants to be.
    LaunchedEffect(verdict) {
        val v = verdict
        if (v is PlateVerdict.Genuine) {
            val code = v.address.address.code
            if (purpose == ScanPurpose.VIEW) onAddress(code) else onReport(code, null)
        }
    }

    GridfieldScaffold(title = stringResource(R.string.scan_title), onBack = onBack) { padding ->
        Column(Modifier.fillMaxSize().padding(padding).verticalScroll(rememberScrollState()).padding(16.dp)) {
            when (val v = verdict) {
                null -> {
                    QrCamera(paused = busy, onText = vm::scan, modifier = Modifier.fillMaxWidth().height(360.dp))
                    Text(stringResource(R.string.scan_hint), modifier = Modifier.padding(vertical = 8.dp))
                    ErrorText(error)
                    ManualEntry(onSubmit = vm::scan)
                }
                is PlateVerdict.Genuine -> Text(stringResource(R.string.scan_genuine), color = Ok)
                is PlateVerdict.GenuineElsewhere -> Elsewhere(v, purpose, onReport, vm::again)
                is PlateVerdict.Forged -> Forged(v, vm::again)
                is PlateVerdict.Legacy -> Legacy(v, purpose, onAddress, onReport, vm::again)
            }
        }
    }
}

@Composable
private fun Elsewhere(
    v: PlateVerdict.GenuineElsewhere,
    purpose: ScanPurpose,
    onReport: (String, String?) -> Unit,
    again: () -> Unit,
) {
    val plate = v.scan.plate
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(stringResource(R.string.scan_elsewhere_title), style = MaterialTheme.typography.titleLarge, color = Ok)
            Text(stringResource(if (v.scan.inScope) R.string.scan_elsewhere_not_here else R.string.scan_elsewhere_out_of_scope))
            if (plate != null) {
                LabeledValue(stringResource(R.string.plate_address), plate.addressText)
                LabeledValue(stringResource(R.string.plate_serial), plate.plateSerial)
                LabeledValue(stringResource(R.string.plate_code), plate.addressCode)
                LabeledValue(stringResource(R.string.plate_grid), plate.gridCode)
                LabeledValue(stringResource(R.string.plate_issued), formatDate(plate.issuedAt))
            }
        }
    }
    Row(Modifier.padding(top = 16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        if (plate != null && purpose == ScanPurpose.REPORT) {
            Button(onClick = { onReport(plate.addressCode, plate.addressText) }) { Text(stringResource(R.string.scan_report_here)) }
        }
        OutlinedButton(onClick = again) { Text(stringResource(R.string.scan_again)) }
    }
}

@Composable
private fun Forged(v: PlateVerdict.Forged, again: () -> Unit) {
    Card(
        Modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = Danger, contentColor = Color.White),
    ) {
        Column(Modifier.padding(20.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Text(
                    stringResource(R.string.scan_forged_title),
                    style = MaterialTheme.typography.headlineSmall,
                    fontWeight = FontWeight.Bold,
                )
            }
            if (v.reason.isNotBlank()) Text(v.reason, style = MaterialTheme.typography.titleMedium)
            v.claimedAddress?.let { Text(stringResource(R.string.scan_forged_claims, it)) }
            Text(stringResource(R.string.scan_forged_advice))
        }
    }
    OutlinedButton(onClick = again, modifier = Modifier.padding(top = 16.dp)) { Text(stringResource(R.string.scan_again)) }
}

/** A plate installed before Gridfield: the mapped address, clearly marked unverified. */
@Composable
private fun Legacy(
    v: PlateVerdict.Legacy,
    purpose: ScanPurpose,
    onAddress: (String) -> Unit,
    onReport: (String, String?) -> Unit,
    again: () -> Unit,
) {
    val plate = v.scan.plate
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(Icons.Filled.Warning, contentDescription = null)
                Text(v.scan.verdictText, style = MaterialTheme.typography.titleLarge)
            }
            Text(stringResource(R.string.scan_legacy_note))
            if (plate != null) {
                if (plate.addressText.isNotBlank()) LabeledValue(stringResource(R.string.plate_address), plate.addressText)
                LabeledValue(stringResource(R.string.plate_code), plate.addressCode)
            }
        }
    }
    Row(Modifier.padding(top = 16.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        val address = v.address
        if (address != null && purpose == ScanPurpose.VIEW) {
            Button(onClick = { onAddress(address.address.code) }) { Text(stringResource(R.string.scan_legacy_open)) }
        }
        if (plate != null && purpose == ScanPurpose.REPORT) {
            Button(onClick = { onReport(plate.addressCode, plate.addressText) }) { Text(stringResource(R.string.scan_report_here)) }
        }
        OutlinedButton(onClick = again) { Text(stringResource(R.string.scan_again)) }
    }
}

/** For a plate the camera cannot read (dirty, damaged): type or paste its text. */
@Composable
private fun ManualEntry(onSubmit: (String) -> Unit) {
    var text by rememberSaveable { mutableStateOf("") }
    OutlinedTextField(
        value = text,
        onValueChange = { text = it },
        label = { Text(stringResource(R.string.scan_manual)) },
        singleLine = true,
        modifier = Modifier.fillMaxWidth(),
    )
    TextButton(onClick = { onSubmit(text) }, enabled = text.isNotBlank()) { Text(stringResource(R.string.scan_check)) }
}
