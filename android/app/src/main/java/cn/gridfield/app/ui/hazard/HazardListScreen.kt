// Hazards (隐患) on this phone, with the filters a worker needs on the way out:
// everything, still open, or overdue (past the deadline and not closed).
package cn.gridfield.app.ui.hazard

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
import cn.gridfield.app.ui.Warning
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.DeliveryBadge
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.common.Tag
import cn.gridfield.app.ui.common.formatDate
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.Hazard
import cn.gridfield.ffi.HazardFilter
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.Severity
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

enum class HazardScope { ALL, OPEN, OVERDUE }

class HazardListViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _scope = MutableStateFlow(HazardScope.OPEN)
    val scope: StateFlow<HazardScope> = _scope.asStateFlow()
    private val _hazards = MutableStateFlow<List<Hazard>>(emptyList())
    val hazards: StateFlow<List<Hazard>> = _hazards.asStateFlow()

    fun select(scope: HazardScope) {
        _scope.value = scope
        load()
    }

    fun load() = launchSafely {
        val scope = _scope.value
        val list = session.repository.hazards(
            HazardFilter(
                status = null,
                overdueOnly = scope == HazardScope.OVERDUE,
                openOnly = scope != HazardScope.ALL,
                addressCode = null,
                limit = null,
            ),
        )
        session.labels.loadCategories(session.repository.store, list.map { it.category })
        // A quick filter switch may finish out of order: keep only the latest scope's list.
        if (scope == _scope.value) _hazards.value = list
    }
}

@Composable
fun HazardListScreen(onBack: () -> Unit, onOpen: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> HazardListViewModel(s, lang) }
    val scope by vm.scope.collectAsStateWithLifecycle()
    val hazards by vm.hazards.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    GridfieldScaffold(title = stringResource(R.string.hazards_title), onBack = onBack) { padding ->
        Column(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                HazardScope.entries.forEach { s ->
                    FilterChip(
                        selected = scope == s,
                        onClick = { vm.select(s) },
                        label = {
                            Text(
                                stringResource(
                                    when (s) {
                                        HazardScope.ALL -> R.string.hazards_all
                                        HazardScope.OPEN -> R.string.hazards_open
                                        HazardScope.OVERDUE -> R.string.hazards_overdue
                                    },
                                ),
                            )
                        },
                    )
                }
            }
            ErrorText(error)
            if (hazards.isEmpty()) Text(stringResource(R.string.none), modifier = Modifier.padding(vertical = 16.dp))
            LazyColumn {
                items(hazards, key = { it.id }) { h ->
                    HazardRow(h) { onOpen(h.id) }
                    HorizontalDivider()
                }
            }
        }
    }
}

/** One hazard in a list: category, status, severity, deadline, overdue, delivery. */
@Composable
fun HazardRow(h: Hazard, onClick: () -> Unit) {
    val labels = LocalSession.current.labels
    val lang = LocalLang.current
    Column(Modifier.fillMaxWidth().clickable(onClick = onClick).padding(vertical = 8.dp)) {
        Text(labels.category(h.category, lang), style = MaterialTheme.typography.bodyLarge)
        if (h.description.isNotBlank()) Text(h.description, maxLines = 2, style = MaterialTheme.typography.bodyMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Tag(labels.status(h.status, lang), MaterialTheme.colorScheme.primary)
            Tag(labels.severity(h.severity, lang), severityColor(h.severity))
            if (h.overdue) Tag(stringResource(R.string.hazard_overdue), Danger)
            h.deadline?.let { Text(stringResource(R.string.hazard_deadline_short, formatDate(it)), style = MaterialTheme.typography.bodySmall) }
            DeliveryBadge(h.delivery)
        }
    }
}

fun severityColor(s: Severity) = when (s) {
    Severity.LOW -> androidx.compose.ui.graphics.Color.Gray
    Severity.MEDIUM -> Warning
    Severity.HIGH, Severity.CRITICAL -> Danger
}
