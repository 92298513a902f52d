// Shared plumbing for the screens' view models: run a repository call in the view
// model's scope, show its failure as the core's readable reason, log only the code.
package cn.gridfield.app.ui.common

import android.util.Log
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import cn.gridfield.data.Observable
import cn.gridfield.data.code
import cn.gridfield.data.userMessage
import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.Lang
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.launch

abstract class BaseViewModel(protected val lang: Lang) : ViewModel() {
    private val _error = MutableStateFlow<String?>(null)
    val error: StateFlow<String?> = _error.asStateFlow()

    private val _busy = MutableStateFlow(false)
    val busy: StateFlow<Boolean> = _busy.asStateFlow()

    fun clearError() {
        _error.value = null
    }

    protected fun showError(t: Throwable) {
        // Codes only: reasons and inputs may name people or addresses.
        Log.w(TAG, "call failed: ${(t as? GridfieldException)?.code ?: t.javaClass.simpleName}")
        _error.value = userMessage(t, lang)
    }

    /** Runs [block], marking the screen busy and turning a failure into a message. */
    protected fun launchSafely(block: suspend CoroutineScope.() -> Unit): Job = viewModelScope.launch {
        _busy.value = true
        try {
            block()
        } catch (e: CancellationException) {
            throw e
        } catch (t: Throwable) {
            showError(t)
        } finally {
            _busy.value = false
        }
    }

    private companion object {
        const val TAG = "Gridfield"
    }
}

/** The data layer's [Observable] as a flow; listeners run on the sync thread, so conflate. */
fun <T> Observable<T>.asFlow(): Flow<T> = callbackFlow {
    val handle = subscribe { trySend(it) }
    awaitClose { handle.close() }
}.conflate()
