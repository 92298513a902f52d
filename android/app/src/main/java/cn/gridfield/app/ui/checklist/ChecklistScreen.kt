// The checklist runner (检查表): sections and items as the template defines them, the
// core's live problems next to each item, evidence photos for failing items, and on
// submit the score, the failing items and the hazards they raised.
package cn.gridfield.app.ui.checklist

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.R
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Ok
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.FullScreenLoading
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.rememberPhotoCapture
import cn.gridfield.app.ui.common.sessionViewModelWithState
import cn.gridfield.app.ui.common.text
import cn.gridfield.data.ChecklistState
import cn.gridfield.ffi.ChecklistItem
import cn.gridfield.ffi.InspectionOutcome
import cn.gridfield.ffi.Lang

private const val PHOTO_REQUIRED_ON_FAIL = "photo_required_on_fail"

@Composable
fun ChecklistScreen(
    templateId: String?,
    addressCode: String?,
    inspectionId: String?,
    onBack: () -> Unit,
    onHazards: () -> Unit,
) {
    val vm = sessionViewModelWithState { s, lang, app, saved ->
        ChecklistViewModel(s, lang, app, saved, templateId, addressCode, inspectionId)
    }
    val runner by vm.runner.collectAsStateWithLifecycle()
    val state by vm.state.collectAsStateWithLifecycle()
    val outcome by vm.outcome.collectAsStateWithLifecycle()
    val comment by vm.returnComment.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val lang = LocalLang.current

    val r = runner
    GridfieldScaffold(title = r?.template?.title?.text(lang) ?: stringResource(R.string.checklist_title), onBack = onBack) { padding ->
        val s = state
        val done = outcome
        when {
            done != null -> Outcome(done, r?.template?.totalScore?.toInt(), Modifier.padding(padding), onHazards, onBack)
            r == null || s == null -> {
                if (error != null) ErrorText(error, Modifier.padding(padding).padding(16.dp)) else FullScreenLoading()
            }
            else -> LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
                comment?.let { c ->
                    item {
                        Surface(color = Danger.copy(alpha = 0.1f), modifier = Modifier.fillMaxWidth().padding(top = 8.dp)) {
                            Text(stringResource(R.string.checklist_returned, c), color = Danger, modifier = Modifier.padding(12.dp))
                        }
                    }
                }
                r.template.sections.forEach { section ->
                    item(key = "s-${section.id}") { SectionTitle(section.title.text(lang)) }
                    items(section.items, key = { it.id }) { item ->
                        ItemCard(item, s, lang, vm)
                    }
                }
                item(key = "submit") {
                    Column(Modifier.padding(vertical = 16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                        ErrorText(error)
                        val open = s.openItems.size
                        if (open > 0) Text(stringResource(R.string.checklist_open_items, open))
                        s.check.outcome?.let { e ->
                            Text(stringResource(R.string.checklist_preview_score, e.score.toInt(), r.template.totalScore.toInt()))
                        }
                        Button(
                            onClick = vm::submit,
                            enabled = s.check.complete && !busy,
                            modifier = Modifier.fillMaxWidth(),
                        ) { Text(stringResource(R.string.checklist_submit)) }
                    }
                }
            }
        }
    }
}

@Composable
private fun ItemCard(item: ChecklistItem, state: ChecklistState, lang: Lang, vm: ChecklistViewModel) {
    val problems = state.problems(item.id)
    val evidence = state.evidence[item.id].orEmpty()
    val failing = state.check.outcome?.failedItems?.any { it.itemId == item.id } == true ||
        problems.any { it.code == PHOTO_REQUIRED_ON_FAIL }
    val captureEvidence = rememberPhotoCapture { vm.addEvidence(item.id, it) }

    Card(
        Modifier.fillMaxWidth().padding(vertical = 4.dp),
        colors = if (failing) CardDefaults.cardColors(containerColor = Danger.copy(alpha = 0.06f)) else CardDefaults.cardColors(),
    ) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    item.label.text(lang) + if (item.required) " *" else "",
                    style = MaterialTheme.typography.bodyLarge,
                    fontWeight = FontWeight.Medium,
                    modifier = Modifier.weight(1f),
                )
                if (item.veto) Text(stringResource(R.string.checklist_veto), color = Danger, style = MaterialTheme.typography.labelMedium)
            }
            item.help?.let { Text(it.text(lang), style = MaterialTheme.typography.bodySmall) }
            ItemInput(
                item,
                state.answers[item.id],
                lang,
                ItemActions(
                    answer = { vm.answer(item.id, it) },
                    addPhoto = { vm.addPhoto(item.id, it) },
                    sign = { vm.sign(item.id, it) },
                ),
            )
            if (item.photoOnFail && (failing || evidence.isNotEmpty())) {
                PhotoStrip(evidence)
                OutlinedButton(onClick = captureEvidence) { Text(stringResource(R.string.checklist_evidence_photo)) }
            }
            problems.forEach { p ->
                Text(if (lang == Lang.EN) p.reasonEn else p.reason, color = Danger, style = MaterialTheme.typography.bodySmall)
            }
        }
    }
}

@Composable
private fun Outcome(o: InspectionOutcome, total: Int?, modifier: Modifier, onHazards: () -> Unit, onDone: () -> Unit) {
    val lang = LocalLang.current
    val labels = LocalSession.current.labels
    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(
            stringResource(if (o.passed) R.string.outcome_passed else R.string.outcome_failed),
            style = MaterialTheme.typography.headlineMedium,
            color = if (o.passed) Ok else Danger,
        )
        Text(
            if (total != null) stringResource(R.string.outcome_score_of, o.score.toInt(), total)
            else stringResource(R.string.inspection_score, o.score.toInt()),
            style = MaterialTheme.typography.titleLarge,
        )
        if (o.vetoed) Text(stringResource(R.string.outcome_vetoed), color = Danger)
        if (o.failedItems.isNotEmpty()) SectionTitle(stringResource(R.string.outcome_failed_items))
        o.failedItems.forEach { f ->
            Column(Modifier.padding(vertical = 4.dp)) {
                Text(f.label.text(lang) + if (f.veto) " · " + stringResource(R.string.checklist_veto) else "")
                Text(stringResource(R.string.outcome_deduction, f.deduction.toInt()), style = MaterialTheme.typography.bodySmall)
                f.hazard?.let { h ->
                    Text(
                        stringResource(R.string.outcome_hazard_spec, labels.category(h.category, lang), labels.severity(h.severity, lang)),
                        style = MaterialTheme.typography.bodySmall,
                        color = Danger,
                    )
                }
                PhotoStrip(f.photos)
            }
        }
        Text(stringResource(R.string.outcome_hazards_raised, o.hazardsRaised.size))
        Text(stringResource(R.string.outcome_queued), style = MaterialTheme.typography.bodySmall)
        if (o.hazardsRaised.isNotEmpty()) {
            Button(onClick = onHazards, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.outcome_see_hazards)) }
        }
        OutlinedButton(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
    }
}
