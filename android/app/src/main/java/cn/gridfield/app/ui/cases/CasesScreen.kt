// Cases (事件) on this phone: those dispatched to me with their deadlines first
// (my cases), everything held here, or only the overdue ones (超期).
package cn.gridfield.app.ui.cases

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
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
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.Tag
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.app.ui.hazard.severityColor
import cn.gridfield.ffi.Case
import cn.gridfield.ffi.CaseFilter
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.caseStatusLabel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

enum class CaseScope { MINE, ALL, OVERDUE }

class CasesViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _scope = MutableStateFlow(CaseScope.MINE)
    val scope: StateFlow<CaseScope> = _scope.asStateFlow()
    private val _cases = MutableStateFlow<List<Case>>(emptyList())
    val cases: StateFlow<List<Case>> = _cases.asStateFlow()

    fun select(scope: CaseScope) {
        _scope.value = scope
        load()
    }

    fun load() = launchSafely {
        val scope = _scope.value
        val list = session.repository.cases(
            CaseFilter(mine = scope == CaseScope.MINE, overdue = scope == CaseScope.OVERDUE),
        )
        // A quick filter switch may finish out of order: keep only the latest scope's list.
        if (scope == _scope.value) _cases.value = list
    }
}

@Composable
fun CasesScreen(onBack: () -> Unit, onOpen: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> CasesViewModel(s, lang) }
    val scope by vm.scope.collectAsStateWithLifecycle()
    val cases by vm.cases.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.cases_title), onBack = onBack) { padding ->
        Column(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                CaseScope.entries.forEach { s ->
                    FilterChip(
                        selected = scope == s,
                        onClick = { vm.select(s) },
                        label = {
                            Text(
                                stringResource(
                                    when (s) {
                                        CaseScope.MINE -> R.string.cases_mine
                                        CaseScope.ALL -> R.string.cases_all
                                        CaseScope.OVERDUE -> R.string.cases_overdue
                                    },
                                ),
                            )
                        },
                    )
                }
            }
            ErrorText(error)
            if (cases.isEmpty()) Text(stringResource(R.string.none), modifier = Modifier.padding(vertical = 16.dp))
            LazyColumn {
                items(cases, key = { it.id }) { c ->
                    CaseRow(c) { onOpen(c.id) }
                    HorizontalDivider()
                }
            }
        }
    }
}

/** One case in a list: type, status, severity, deadline, overdue, delivery. */
@Composable
fun CaseRow(c: Case, onClick: () -> Unit) {
    val labels = LocalSession.current.labels
    val lang = LocalLang.current
    Column(Modifier.fillMaxWidth().clickable(onClick = onClick).padding(vertical = 8.dp)) {
        Text(c.typeLabel, style = MaterialTheme.typography.bodyLarge)
        if (c.description.isNotBlank()) Text(c.description, maxLines = 2, style = MaterialTheme.typography.bodyMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Tag(caseStatusLabel(c.status, lang), MaterialTheme.colorScheme.primary)
            Tag(labels.severity(c.severity, lang), severityColor(c.severity))
            if (c.overdue) Tag(stringResource(R.string.case_overdue), Danger)
            c.deadline?.let { Text(stringResource(R.string.case_deadline_short, formatDate(it)), style = MaterialTheme.typography.bodySmall) }
            DeliveryBadge(c.delivery)
        }
    }
}
