// My inspections (检查记录): drafts to finish and inspections a supervisor returned with
// a comment come first; a tap reopens the checklist to complete or correct it.
package cn.gridfield.app.ui.inspections

import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.address.InspectionRow
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.app.ui.common.text
import cn.gridfield.ffi.InspectionSummary
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.LocalizedText
import cn.gridfield.ffi.ReviewStatus
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class InspectionsViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _items = MutableStateFlow<List<InspectionSummary>>(emptyList())
    val items: StateFlow<List<InspectionSummary>> = _items.asStateFlow()
    private val _titles = MutableStateFlow<Map<String, LocalizedText>>(emptyMap())
    val titles: StateFlow<Map<String, LocalizedText>> = _titles.asStateFlow()

    fun load() = launchSafely {
        val repo = session.repository
        if (_titles.value.isEmpty()) _titles.value = repo.templates().associate { it.id to it.title }
        val order = listOf(ReviewStatus.RETURNED, ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)
        _items.value = repo.inspections()
            .sortedWith(compareBy<InspectionSummary> { order.indexOf(it.reviewStatus) }.thenByDescending { it.startedAt })
    }
}

@Composable
fun InspectionsScreen(onBack: () -> Unit, onOpen: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> InspectionsViewModel(s, lang) }
    val items by vm.items.collectAsStateWithLifecycle()
    val titles by vm.titles.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    val lang = LocalLang.current
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.inspections_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            item { ErrorText(error) }
            if (items.isEmpty()) item { Text(stringResource(R.string.none)) }
            items(items, key = { it.id }) { i ->
                val editable = i.reviewStatus == ReviewStatus.DRAFT || i.reviewStatus == ReviewStatus.RETURNED
                InspectionRow(i, titles[i.templateId]?.text(lang) ?: i.templateId) { if (editable) onOpen(i.id) }
                HorizontalDivider()
            }
        }
    }
}
