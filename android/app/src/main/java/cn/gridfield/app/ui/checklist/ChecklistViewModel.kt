// The checklist runner's view model: starts or resumes a draft, saves every answer as
// it is given (one at a time, in order), and submits. The draft's id is kept in the
// SavedStateHandle, so the screen restored after process death continues the same
// draft instead of starting a second one (the repository also finds it without the id). Validation, scoring and the
// hazards a failing item raises all come from the core through ChecklistRunner.
package cn.gridfield.app.ui.checklist

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.viewModelScope
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.Session
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.asFlow
import cn.gridfield.data.ChecklistRunner
import cn.gridfield.data.ChecklistState
import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.InspectionOutcome
import cn.gridfield.ffi.Lang
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.emptyFlow
import kotlinx.coroutines.flow.flatMapLatest
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

@OptIn(ExperimentalCoroutinesApi::class)
class ChecklistViewModel(
    private val session: Session,
    lang: Lang,
    private val app: GridfieldApp,
    private val saved: SavedStateHandle,
    templateId: String?,
    addressCode: String?,
    inspectionId: String?,
) : BaseViewModel(lang) {
    private val _runner = MutableStateFlow<ChecklistRunner?>(null)
    val runner: StateFlow<ChecklistRunner?> = _runner.asStateFlow()

    val state: StateFlow<ChecklistState?> = _runner
        .flatMapLatest { r -> r?.state?.asFlow() ?: emptyFlow() }
        .stateIn(viewModelScope, SharingStarted.Eagerly, null)

    /** The supervisor's reason when the inspection came back (退回意见). */
    private val _returnComment = MutableStateFlow<String?>(null)
    val returnComment: StateFlow<String?> = _returnComment.asStateFlow()

    private val _outcome = MutableStateFlow<InspectionOutcome?>(null)
    val outcome: StateFlow<InspectionOutcome?> = _outcome.asStateFlow()

    /** ChecklistRunner keeps its answers in plain maps: one write at a time, in order. */
    private val writes = Mutex()

    init {
        launchSafely {
            val repo = session.repository
            _runner.value = if (inspectionId != null) {
                _returnComment.value = repo.inspection(inspectionId).summary.reviewComment
                repo.resumeChecklist(inspectionId)
            } else {
                val draft: String? = saved[DRAFT_ID]
                repo.openChecklist(requireNotNull(templateId), requireNotNull(addressCode), draft)
                    .also { saved[DRAFT_ID] = it.inspectionId }
            }
        }
    }

    fun answer(itemId: String, answer: Answer?) = write { it.answer(itemId, answer) }

    fun addEvidence(itemId: String, jpeg: ByteArray) = write { it.addEvidence(itemId, jpeg) }

    fun addPhoto(itemId: String, jpeg: ByteArray) = write { it.answerWithImage(itemId, jpeg) }

    fun sign(itemId: String, png: ByteArray) = write { it.answerWithImage(itemId, png, signature = true) }

    fun submit() {
        val r = _runner.value ?: return
        launchSafely {
            val outcome = writes.withLock { r.submit() }
            session.labels.loadCategories(session.repository.store, outcome.failedItems.mapNotNull { it.hazard?.category })
            _outcome.value = outcome
            // Hazards and the inspection are queued: send them when there is a network.
            app.afterLocalWrite()
        }
    }

    private fun write(block: suspend (ChecklistRunner) -> Unit) {
        val r = _runner.value ?: return
        viewModelScope.launch {
            writes.withLock {
                try {
                    clearError()
                    block(r)
                } catch (e: CancellationException) {
                    throw e
                } catch (t: Throwable) {
                    // The draft keeps the previous answer; show the core's reason.
                    showError(t)
                }
            }
        }
    }

    private companion object {
        /** The draft this screen opened, across process death. */
        const val DRAFT_ID = "checklist.draftId"
    }
}
