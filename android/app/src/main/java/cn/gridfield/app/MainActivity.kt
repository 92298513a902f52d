// The one activity: opens the store (or shows enrollment) and hosts the Compose
// navigation graph once a session exists.
package cn.gridfield.app

import android.app.Application
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import cn.gridfield.app.ui.AppNavHost
import cn.gridfield.app.ui.GridfieldTheme
import cn.gridfield.app.ui.common.FullScreenLoading
import cn.gridfield.app.ui.common.LocalLang
import cn.gridfield.app.ui.common.LocalSession
import cn.gridfield.app.ui.enroll.EnrollScreen
import cn.gridfield.data.userMessage
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val lang = currentLang(this)
        setContent {
            GridfieldTheme {
                CompositionLocalProvider(LocalLang provides lang) {
                    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) { Root() }
                }
            }
        }
    }
}

sealed interface RootState {
    data object Opening : RootState
    data object NeedsEnrollment : RootState
    data class OpenFailed(val message: String) : RootState
    data class Ready(val session: Session) : RootState
}

class RootViewModel(application: Application) : AndroidViewModel(application) {
    private val app = application as GridfieldApp
    private val _state = MutableStateFlow<RootState>(RootState.Opening)
    val state: StateFlow<RootState> = _state.asStateFlow()

    init {
        open()
        // Enrollment (or the background worker) may open the store first; a re-enrollment
        // replaces it; a revocation closes it (the enroll screen then says why).
        viewModelScope.launch {
            app.session.collect { s ->
                if (s != null) {
                    _state.value = RootState.Ready(s)
                } else if (_state.value is RootState.Ready) {
                    _state.value = RootState.NeedsEnrollment
                }
            }
        }
    }

    fun open() {
        _state.value = RootState.Opening
        viewModelScope.launch {
            _state.value = try {
                app.openSession()?.let { RootState.Ready(it) } ?: RootState.NeedsEnrollment
            } catch (e: CancellationException) {
                throw e
            } catch (t: Throwable) {
                // Never delete the store here: a transient failure is not corruption.
                RootState.OpenFailed(userMessage(t, currentLang(app)))
            }
        }
    }
}

@Composable
private fun Root(vm: RootViewModel = viewModel()) {
    val state by vm.state.collectAsStateWithLifecycle()
    when (val s = state) {
        RootState.Opening -> FullScreenLoading()
        RootState.NeedsEnrollment -> EnrollScreen()
        is RootState.OpenFailed -> OpenFailed(s.message, vm::open)
        is RootState.Ready -> CompositionLocalProvider(LocalSession provides s.session) {
            val lang = LocalLang.current
            // Plate verdicts and other core texts follow the phone's language.
            LaunchedEffect(s.session, lang) { runCatching { s.session.repository.setLang(lang) } }
            // A new session (re-enrolled) starts a fresh graph: no screen keeps the closed store.
            key(s.session) { AppNavHost(s.session) }
        }
    }
}

@Composable
private fun OpenFailed(message: String, retry: () -> Unit) {
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Text(stringResource(R.string.open_failed_title), style = MaterialTheme.typography.titleLarge)
        Text(message, color = MaterialTheme.colorScheme.error)
        Text(stringResource(R.string.open_failed_hint))
        Button(onClick = retry) { Text(stringResource(R.string.retry)) }
    }
}
