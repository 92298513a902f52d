// One case (事件) and its closed loop: the timeline, the mediation record of a
// dispute, and the steps this user may take now (CaseDetail.actions, decided by the
// core). A step asks for what it needs: a note, a dispatch target, a rating; 调解
// opens the mediation session form, 调解协议 the agreement with three signatures.
@file:OptIn(ExperimentalLayoutApi::class)

package cn.gridfield.app.ui.cases

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
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
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.checklist.SignaturePad
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.FullScreenLoading
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LabeledValue
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.SectionTitle
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.formatTime
import cn.gridfield.app.ui.common.rememberPhotoCapture
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.Agreement
import cn.gridfield.ffi.CaseAction
import cn.gridfield.ffi.CaseDetail
import cn.gridfield.ffi.CaseHandler
import cn.gridfield.ffi.CaseStepInput
import cn.gridfield.ffi.DispatchTarget
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.MediationOutcome
import cn.gridfield.ffi.MediationSession
import cn.gridfield.ffi.Satisfaction
import cn.gridfield.ffi.Signature
import cn.gridfield.ffi.SignerRole
import cn.gridfield.ffi.caseActionLabel
import cn.gridfield.ffi.caseStatusLabel
import cn.gridfield.ffi.partyRoleLabel
import cn.gridfield.ffi.satisfactionLabel
import java.util.UUID
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class CaseDetailViewModel(
    private val session: Session,
    lang: Lang,
    private val app: GridfieldApp,
    private val id: String,
) : BaseViewModel(lang) {
    private val _detail = MutableStateFlow<CaseDetail?>(null)
    val detail: StateFlow<CaseDetail?> = _detail.asStateFlow()

    /** Photos taken for the step being prepared (already in the store). */
    private val _stepPhotos = MutableStateFlow<List<String>>(emptyList())
    val stepPhotos: StateFlow<List<String>> = _stepPhotos.asStateFlow()

    /** Signatures captured for the agreement being prepared: role → photo hash. */
    private val _signatures = MutableStateFlow<Map<SignerRole, String>>(emptyMap())
    val signatures: StateFlow<Map<SignerRole, String>> = _signatures.asStateFlow()

    val me: String get() = session.identity.user

    fun load() = launchSafely { _detail.value = session.repository.case(id) }

    fun addStepPhoto(jpeg: ByteArray) = launchSafely {
        _stepPhotos.value = _stepPhotos.value + session.repository.addPhoto(jpeg).hash
    }

    fun addSignature(role: SignerRole, png: ByteArray) = launchSafely {
        _signatures.value = _signatures.value + (role to session.repository.addPhoto(png).hash)
    }

    fun discardStep() {
        _stepPhotos.value = emptyList()
        _signatures.value = emptyMap()
    }

    /** Takes the step; the core checks the role, the state and the input and says why it refuses. */
    fun step(action: CaseAction, input: CaseStepInput, done: () -> Unit) = launchSafely {
        session.repository.caseStep(id, action, input.copy(photos = input.photos + _stepPhotos.value))
        discardStep()
        app.afterLocalWrite()
        done()
        _detail.value = session.repository.case(id)
    }
}

@Composable
fun CaseDetailScreen(id: String, onBack: () -> Unit) {
    val vm = sessionViewModel { s, lang, app -> CaseDetailViewModel(s, lang, app, id) }
    val detail by vm.detail.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val lang = LocalLang.current
    var acting by rememberSaveable { mutableStateOf<CaseAction?>(null) }
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.case_title), onBack = onBack) { padding ->
        val d = detail
        if (d == null) {
            if (error != null) ErrorText(error, Modifier.padding(padding).padding(16.dp)) else FullScreenLoading()
            return@GridfieldScaffold
        }
        val c = d.case
        Column(
            Modifier.fillMaxSize().padding(padding).verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            Text(c.typeLabel, style = MaterialTheme.typography.headlineSmall)
            CaseRow(c) {}
            LabeledValue(stringResource(R.string.case_description), c.description)
            LabeledValue(stringResource(R.string.case_level), c.ownerPath)
            c.handler?.let { LabeledValue(stringResource(R.string.case_handler), handlerText(it)) }
            c.deadline?.let {
                LabeledValue(stringResource(R.string.case_deadline), formatDate(it))
                if (c.overdue) Text(stringResource(R.string.case_overdue_long), color = Danger)
            }
            c.parties.forEach { p -> LabeledValue(partyRoleLabel(p.role, lang), p.name) }
            PhotoStrip(c.photos)
            c.dispute?.let { dispute ->
                SectionTitle(stringResource(R.string.case_mediation))
                LabeledValue(stringResource(R.string.case_subject), dispute.subject)
                dispute.sessions.forEach { s ->
                    Text("${formatTime(s.at)} · ${s.place} · ${s.mediator}", style = MaterialTheme.typography.bodySmall)
                    Text(s.note)
                }
                dispute.agreement?.let { a ->
                    LabeledValue(stringResource(R.string.case_agreement), a.terms)
                    PhotoStrip(a.signatures.map { it.photo })
                }
            }
            c.rating?.let { LabeledValue(stringResource(R.string.case_rating), satisfactionLabel(it.score, lang)) }
            ErrorText(error)

            if (d.actions.isNotEmpty()) {
                SectionTitle(stringResource(R.string.case_actions))
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    d.actions.forEach { a -> Button(onClick = { acting = a }) { Text(caseActionLabel(a, lang)) } }
                }
            }

            SectionTitle(stringResource(R.string.case_timeline))
            d.events.forEach { e ->
                Column(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                    Text(
                        listOfNotNull(
                            e.action?.let { caseActionLabel(it, lang) } ?: stringResource(R.string.case_reported),
                            caseStatusLabel(e.toStatus, lang),
                        ).joinToString(" → "),
                        style = MaterialTheme.typography.bodyLarge,
                    )
                    Text("${formatTime(e.at)} · ${e.actor} · ${e.ownerPath}", style = MaterialTheme.typography.bodySmall)
                    e.note?.let { Text(it) }
                    PhotoStrip(e.photos)
                }
            }
        }
    }

    acting?.let { action ->
        val dismiss = {
            vm.discardStep()
            acting = null
        }
        when (action) {
            CaseAction.MEDIATE -> MediationDialog(vm, dismiss)
            CaseAction.AGREE -> AgreementDialog(vm, dismiss)
            else -> StepDialog(action, vm, dismiss)
        }
    }
}

@Composable
private fun handlerText(h: CaseHandler): String = when (h) {
    is CaseHandler.Person -> h.user
    is CaseHandler.Department -> stringResource(R.string.case_department, h.code)
}

@Composable
private fun StepDialog(action: CaseAction, vm: CaseDetailViewModel, onDismiss: () -> Unit) {
    val lang = LocalLang.current
    val photos by vm.stepPhotos.collectAsStateWithLifecycle()
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    var note by rememberSaveable { mutableStateOf("") }
    var toKind by rememberSaveable { mutableStateOf(0) } // 0 person, 1 department, 2 level
    var to by rememberSaveable { mutableStateOf("") }
    var rating by rememberSaveable { mutableStateOf<Satisfaction?>(null) }
    val capture = rememberPhotoCapture(vm::addStepPhoto)
    val dispatching = action == CaseAction.DISPATCH
    val evaluating = action == CaseAction.EVALUATE

    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(caseActionLabel(action, lang)) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                if (dispatching) {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        listOf(R.string.case_to_person, R.string.case_to_department, R.string.case_to_level).forEachIndexed { i, label ->
                            FilterChip(selected = toKind == i, onClick = { toKind = i }, label = { Text(stringResource(label)) })
                        }
                    }
                    OutlinedTextField(value = to, onValueChange = { to = it }, label = { Text(stringResource(R.string.case_to)) }, singleLine = true)
                }
                if (evaluating) {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        Satisfaction.entries.forEach { s ->
                            FilterChip(selected = rating == s, onClick = { rating = s }, label = { Text(satisfactionLabel(s, lang)) })
                        }
                    }
                }
                OutlinedTextField(value = note, onValueChange = { note = it }, label = { Text(stringResource(R.string.case_note)) })
                PhotoStrip(photos)
                TextButton(onClick = capture) { Text(stringResource(R.string.case_add_photo)) }
                ErrorText(error)
            }
        },
        confirmButton = {
            Button(
                onClick = {
                    val target = to.trim().takeIf { dispatching && it.isNotEmpty() }?.let {
                        when (toKind) {
                            0 -> DispatchTarget.Person(it)
                            1 -> DispatchTarget.Department(it)
                            else -> DispatchTarget.Level(it)
                        }
                    }
                    vm.step(action, CaseStepInput(note = note.trim().ifBlank { null }, to = target, rating = rating), onDismiss)
                },
                enabled = !busy,
            ) { Text(stringResource(R.string.confirm)) }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) } },
    )
}

/** 调解记录: where, who took part, and what was agreed or why not. */
@Composable
private fun MediationDialog(vm: CaseDetailViewModel, onDismiss: () -> Unit) {
    val lang = LocalLang.current
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    var place by rememberSaveable { mutableStateOf("") }
    var participants by rememberSaveable { mutableStateOf("") }
    var note by rememberSaveable { mutableStateOf("") }
    var agreed by rememberSaveable { mutableStateOf(false) }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(caseActionLabel(CaseAction.MEDIATE, lang)) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(value = place, onValueChange = { place = it }, label = { Text(stringResource(R.string.case_place)) }, singleLine = true)
                OutlinedTextField(value = participants, onValueChange = { participants = it }, label = { Text(stringResource(R.string.case_participants)) })
                OutlinedTextField(value = note, onValueChange = { note = it }, label = { Text(stringResource(R.string.case_mediation_note)) })
                androidx.compose.foundation.layout.Row(verticalAlignment = Alignment.CenterVertically) {
                    Checkbox(checked = agreed, onCheckedChange = { agreed = it })
                    Text(stringResource(R.string.case_agreed))
                }
                ErrorText(error)
            }
        },
        confirmButton = {
            Button(
                onClick = {
                    val session = MediationSession(
                        id = UUID.randomUUID().toString(),
                        at = System.currentTimeMillis(),
                        place = place.trim(),
                        mediator = vm.me,
                        participants = participants.split('，', ',', '、').map { it.trim() }.filter { it.isNotEmpty() },
                        outcome = if (agreed) MediationOutcome.AGREED else MediationOutcome.NOT_AGREED,
                        note = note.trim(),
                    )
                    vm.step(CaseAction.MEDIATE, CaseStepInput(session = session), onDismiss)
                },
                enabled = !busy,
            ) { Text(stringResource(R.string.confirm)) }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) } },
    )
}

/** 调解协议: the terms, and the applicant's, the respondent's and the mediator's signatures. */
@Composable
private fun AgreementDialog(vm: CaseDetailViewModel, onDismiss: () -> Unit) {
    val lang = LocalLang.current
    val busy by vm.busy.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val signed by vm.signatures.collectAsStateWithLifecycle()
    val parties = vm.detail.collectAsStateWithLifecycle().value?.case?.parties.orEmpty()
    var terms by rememberSaveable { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(caseActionLabel(CaseAction.AGREE, lang)) },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(value = terms, onValueChange = { terms = it }, label = { Text(stringResource(R.string.case_terms)) })
                SignerRole.entries.forEach { role ->
                    Text(signerLabel(role), style = MaterialTheme.typography.titleSmall)
                    if (role in signed) Text(stringResource(R.string.case_signed)) else SignaturePad { png -> vm.addSignature(role, png) }
                }
                ErrorText(error)
            }
        },
        confirmButton = {
            Button(
                onClick = {
                    val name = { role: SignerRole ->
                        when (role) {
                            SignerRole.MEDIATOR -> vm.me
                            else -> parties.firstOrNull { it.role.name == role.name }?.name.orEmpty()
                        }
                    }
                    val agreement = Agreement(
                        terms = terms.trim(),
                        signatures = signed.map { (role, hash) -> Signature(role, name(role), hash) },
                        signedAt = System.currentTimeMillis(),
                    )
                    // The core refuses an agreement without all three signatures, in Chinese.
                    vm.step(CaseAction.AGREE, CaseStepInput(agreement = agreement), onDismiss)
                },
                enabled = !busy,
            ) { Text(stringResource(R.string.confirm)) }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text(stringResource(R.string.cancel)) } },
    )
}

@Composable
private fun signerLabel(role: SignerRole): String = stringResource(
    when (role) {
        SignerRole.APPLICANT -> R.string.case_sign_applicant
        SignerRole.RESPONDENT -> R.string.case_sign_respondent
        SignerRole.MEDIATOR -> R.string.case_sign_mediator
    },
)
