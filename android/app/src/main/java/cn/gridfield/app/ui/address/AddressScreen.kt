// The address page (一标多实): one standard address with everything hanging off it —
// households, persons, rental units, businesses — and its history of inspections,
// hazards and reports. Workers start a checklist here; volunteers report a problem.
package cn.gridfield.app.ui.address

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
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
import cn.gridfield.app.ui.Routes
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.FullScreenLoading
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.Tag
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.app.ui.common.text
import cn.gridfield.app.ui.hazard.HazardRow
import cn.gridfield.app.ui.report.reportStatusText
import cn.gridfield.ffi.AddressView
import cn.gridfield.ffi.ChecklistTemplate
import cn.gridfield.ffi.Entity
import cn.gridfield.ffi.EntityKind
import cn.gridfield.ffi.InspectionSummary
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.Role
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class AddressViewModel(private val session: Session, lang: Lang, private val code: String) : BaseViewModel(lang) {
    private val _view = MutableStateFlow<AddressView?>(null)
    val view: StateFlow<AddressView?> = _view.asStateFlow()
    /** The picker: what may start here now (newest versions, none retired), as the core decides. */
    private val _templates = MutableStateFlow<List<ChecklistTemplate>>(emptyList())
    val templates: StateFlow<List<ChecklistTemplate>> = _templates.asStateFlow()

    /** Every template's title, retired ones included, for the inspections already made. */
    private val _titles = MutableStateFlow<Map<String, ChecklistTemplate>>(emptyMap())
    val titles: StateFlow<Map<String, ChecklistTemplate>> = _titles.asStateFlow()

    fun load() = launchSafely {
        val repo = session.repository
        val view = repo.address(code)
        session.labels.loadCategories(session.repository.store, view.hazards.map { it.category })
        if (session.identity.role != Role.VOLUNTEER) {
            // Reloaded each time: a sync may have published or retired a checklist.
            _templates.value = repo.templatesAt(code)
            _titles.value = repo.templates().associateBy { it.id }
        }
        _view.value = view
    }

    /** Full values the user asked to see, by "kind/id/field"; gone with the screen. */
    private val _revealed = MutableStateFlow<Map<String, String>>(emptyMap())
    val revealed: StateFlow<Map<String, String>> = _revealed.asStateFlow()

    fun reveal(entity: Entity, field: String) = launchSafely {
        val value = session.repository.revealField(entity.kind, entity.id, field) ?: return@launchSafely
        _revealed.value = _revealed.value + (revealKey(entity, field) to value)
    }
}

fun revealKey(entity: Entity, field: String) = "${entity.kind}/${entity.id}/$field"

@Composable
fun AddressScreen(code: String, onBack: () -> Unit, navigate: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> AddressViewModel(s, lang, code) }
    val view by vm.view.collectAsStateWithLifecycle()
    val templates by vm.templates.collectAsStateWithLifecycle()
    val allTemplates by vm.titles.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val revealed by vm.revealed.collectAsStateWithLifecycle()
    val session = LocalSession.current
    val lang = LocalLang.current
    val volunteer = session.identity.role == Role.VOLUNTEER
    // Reload on return from a checklist or a hazard step.
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.address_title), onBack = onBack) { padding ->
        val v = view
        if (v == null) {
            Column(Modifier.padding(padding).padding(16.dp)) { ErrorText(error) }
            if (error == null) FullScreenLoading()
            return@GridfieldScaffold
        }
        val titles = allTemplates.mapValues { it.value.title.text(lang) }
        LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            item {
                Text(v.address.fullText, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.padding(top = 8.dp))
                Text(
                    listOfNotNull(v.address.plateSerial, v.address.code).joinToString(" · "),
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
                ErrorText(error)
                Column(Modifier.padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (!volunteer) {
                        templates.forEach { t ->
                            Button(onClick = { navigate(Routes.newChecklist(t.id, v.address.code)) }, modifier = Modifier.fillMaxWidth()) {
                                Column {
                                    Text(stringResource(R.string.address_start_checklist, t.title.text(lang)))
                                    // The business kinds a checklist is for (三小场所, 民宿, …).
                                    if (t.businessKindLabels.isNotEmpty()) {
                                        Text(
                                            stringResource(R.string.address_checklist_for, t.businessKindLabels.joinToString(stringResource(R.string.list_separator))),
                                            style = MaterialTheme.typography.bodySmall,
                                        )
                                    }
                                }
                            }
                        }
                    }
                    OutlinedButton(
                        onClick = { navigate(Routes.report(v.address.code)) },
                        modifier = Modifier.fillMaxWidth(),
                    ) { Text(stringResource(R.string.address_report)) }
                }
            }

            // 一标多实: each kind of entity at this address, in a fixed order.
            EntityKind.entries.forEach { kind ->
                val entities = v.entities.filter { it.kind == kind && !it.deleted }
                if (entities.isNotEmpty()) {
                    item(key = "title-$kind") { SectionTitle(stringResource(entityKindTitle(kind)) + " (${entities.size})") }
                    items(entities, key = { "${kind}-${it.id}" }) { e -> EntityCard(e, revealed) { f -> vm.reveal(e, f) } }
                }
            }

            item(key = "inspections") { SectionTitle(stringResource(R.string.address_inspections)) }
            if (v.inspections.isEmpty()) item { Text(stringResource(R.string.none)) }
            items(v.inspections, key = { "i-${it.id}" }) { i ->
                InspectionRow(i, titles[i.templateId] ?: i.templateId) {
                    if (!volunteer) navigate(Routes.resumeChecklist(i.id))
                }
            }

            item(key = "hazards") { SectionTitle(stringResource(R.string.address_hazards)) }
            if (v.hazards.isEmpty()) item { Text(stringResource(R.string.none)) }
            items(v.hazards, key = { "h-${it.id}" }) { h -> HazardRow(h) { navigate(Routes.hazard(h.id)) } }

            item(key = "reports") { SectionTitle(stringResource(R.string.address_reports)) }
            if (v.reports.isEmpty()) item { Text(stringResource(R.string.none)) }
            items(v.reports, key = { "r-${it.id}" }) { r ->
                Column(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                    Text(r.text, maxLines = 3)
                    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
                        Text(formatTime(r.createdAt), style = MaterialTheme.typography.bodySmall)
                        Text(reportStatusText(r.status), style = MaterialTheme.typography.bodySmall)
                        DeliveryBadge(r.delivery)
                    }
                }
            }
            item { Spacer(Modifier.height(24.dp)) }
        }
    }
}

@Composable
private fun EntityCard(entity: Entity, revealed: Map<String, String>, onReveal: (String) -> Unit) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            entity.fields.filter { isShownField(it.name) && it.value != null }.forEach { f ->
                val full = revealed[revealKey(entity, f.name)]
                Row(
                    Modifier.fillMaxWidth(),
                    horizontalArrangement = Arrangement.SpaceBetween,
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(fieldName(f.name), color = MaterialTheme.colorScheme.onSurfaceVariant)
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        // Masked by the core; the full value only after an audited reveal.
                        Text(full ?: fieldValue(f.name, f.value.orEmpty()))
                        if (f.masked && full == null) {
                            TextButton(onClick = { onReveal(f.name) }) { Text(stringResource(R.string.entity_reveal)) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
fun InspectionRow(i: InspectionSummary, title: String, onClick: () -> Unit) {
    val labels = LocalSession.current.labels
    val lang = LocalLang.current
    Column(Modifier.fillMaxWidth().clickable(onClick = onClick).padding(vertical = 6.dp)) {
        Text(title, style = MaterialTheme.typography.bodyLarge)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(formatDate(i.finishedAt ?: i.startedAt), style = MaterialTheme.typography.bodySmall)
            i.score?.let { Text(stringResource(R.string.inspection_score, it.toInt()), style = MaterialTheme.typography.bodySmall) }
            Tag(labels.review(i.reviewStatus, lang), if (i.reviewStatus == ReviewStatus.RETURNED) Danger else MaterialTheme.colorScheme.primary)
            DeliveryBadge(i.delivery)
        }
        i.reviewComment?.let { Text(stringResource(R.string.inspection_comment, it), color = Danger) }
    }
}
