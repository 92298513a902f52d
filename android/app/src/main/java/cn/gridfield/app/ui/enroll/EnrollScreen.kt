// First start: enroll this phone with the server address and the one-time code the
// supervisor handed out. The store is created, encrypted with the Keystore-sealed key.
package cn.gridfield.app.ui.enroll

import android.app.Application
import android.os.Build
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.R
import cn.gridfield.app.currentLang
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.data.userMessage
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class EnrollForm(
    val serverUrl: String = "https://",
    val code: String = "",
    val deviceName: String = Build.MODEL ?: "",
    val busy: Boolean = false,
    val error: String? = null,
    /** The phone was revoked and wiped: say so above the form. */
    val revoked: Boolean = false,
) {
    val complete: Boolean get() = serverUrl.length > "https://".length && code.isNotBlank() && deviceName.isNotBlank()
}

class EnrollViewModel(application: Application) : AndroidViewModel(application) {
    private val app = application as GridfieldApp
    private val _form = MutableStateFlow(EnrollForm())
    val form: StateFlow<EnrollForm> = _form.asStateFlow()

    init {
        viewModelScope.launch { if (app.wasRevoked()) _form.update { it.copy(revoked = true) } }
    }

    fun edit(change: EnrollForm.() -> EnrollForm) = _form.update { it.change().copy(error = null) }

    fun enroll() {
        val f = _form.value
        if (!f.complete || f.busy) return
        _form.update { it.copy(busy = true, error = null) }
        viewModelScope.launch {
            try {
                // On success the app's session appears and the root switches to home.
                app.enroll(f.serverUrl.trim().trimEnd('/'), f.code.trim(), f.deviceName.trim())
            } catch (e: CancellationException) {
                throw e
            } catch (t: Throwable) {
                _form.update { it.copy(error = userMessage(t, currentLang(app))) }
            } finally {
                _form.update { it.copy(busy = false) }
            }
        }
    }
}

@Composable
fun EnrollScreen(vm: EnrollViewModel = viewModel()) {
    val form by vm.form.collectAsStateWithLifecycle()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(stringResource(R.string.app_name), style = MaterialTheme.typography.headlineMedium)
        if (form.revoked) Text(stringResource(R.string.enroll_after_revoke), color = MaterialTheme.colorScheme.error)
        Text(stringResource(R.string.enroll_intro))
        OutlinedTextField(
            value = form.serverUrl,
            onValueChange = { v -> vm.edit { copy(serverUrl = v) } },
            label = { Text(stringResource(R.string.enroll_server)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = form.code,
            onValueChange = { v -> vm.edit { copy(code = v) } },
            label = { Text(stringResource(R.string.enroll_code)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = form.deviceName,
            onValueChange = { v -> vm.edit { copy(deviceName = v) } },
            label = { Text(stringResource(R.string.enroll_device_name)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        ErrorText(form.error)
        Button(onClick = vm::enroll, enabled = form.complete && !form.busy, modifier = Modifier.fillMaxWidth()) {
            if (form.busy) CircularProgressIndicator(Modifier.padding(end = 8.dp).size(18.dp), strokeWidth = 2.dp)
            Text(stringResource(R.string.enroll_button))
        }
    }
}
