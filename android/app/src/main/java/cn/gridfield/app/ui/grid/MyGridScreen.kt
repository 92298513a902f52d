// My grid: the addresses on this phone, searchable by address text, plate serial or
// code (an empty query lists the grid). Search runs in the store, a moment after typing.
package cn.gridfield.app.ui.grid

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import cn.gridfield.app.R
import cn.gridfield.app.Session
import cn.gridfield.app.ui.common.BaseViewModel
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.GridfieldScaffold
import cn.gridfield.app.ui.common.sessionViewModel
import cn.gridfield.ffi.AddressHit
import cn.gridfield.ffi.Lang
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.FlowPreview
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.debounce
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.launch

@OptIn(FlowPreview::class)
class MyGridViewModel(private val session: Session, lang: Lang) : BaseViewModel(lang) {
    private val _query = MutableStateFlow("")
    val query: StateFlow<String> = _query.asStateFlow()
    private val _hits = MutableStateFlow<List<AddressHit>>(emptyList())
    val hits: StateFlow<List<AddressHit>> = _hits.asStateFlow()

    init {
        // collectLatest: a newer query wins; an older result never overwrites it.
        viewModelScope.launch {
            _query.debounce(250).distinctUntilChanged().collectLatest { q ->
                try {
                    _hits.value = session.repository.search(q.trim(), limit = 200)
                } catch (e: CancellationException) {
                    throw e
                } catch (t: Throwable) {
                    showError(t)
                }
            }
        }
    }

    fun setQuery(q: String) {
        _query.value = q
    }
}

@Composable
fun MyGridScreen(onBack: () -> Unit, onOpen: (String) -> Unit) {
    val vm = sessionViewModel { s, lang, _ -> MyGridViewModel(s, lang) }
    val query by vm.query.collectAsStateWithLifecycle()
    val hits by vm.hits.collectAsStateWithLifecycle()
    val error by vm.error.collectAsStateWithLifecycle()

    GridfieldScaffold(title = stringResource(R.string.grid_title), onBack = onBack) { padding ->
        Column(Modifier.fillMaxSize().padding(padding).padding(horizontal = 16.dp)) {
            OutlinedTextField(
                value = query,
                onValueChange = vm::setQuery,
                leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
                placeholder = { Text(stringResource(R.string.grid_search_hint)) },
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
            ErrorText(error)
            if (hits.isEmpty()) {
                Text(stringResource(R.string.grid_empty), modifier = Modifier.padding(vertical = 16.dp))
            }
            LazyColumn {
                items(hits, key = { it.code }) { hit ->
                    ListItem(
                        headlineContent = { Text(hit.fullText) },
                        supportingContent = { Text(hit.plateSerial ?: hit.code) },
                        modifier = Modifier.clickable { onOpen(hit.code) },
                    )
                    HorizontalDivider()
                }
            }
        }
    }
}
