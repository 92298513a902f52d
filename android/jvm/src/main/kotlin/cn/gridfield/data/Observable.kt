// A tiny observable value for the view-model layer, with no dependency beyond the
// Kotlin standard library (the desktop JVM has no kotlinx.coroutines). The Android
// shell adapts it to Compose state; SwiftUI's side has its own ObservableObject.
package cn.gridfield.data

import java.util.concurrent.CopyOnWriteArrayList

class Observable<T>(initial: T) {
    @Volatile
    var value: T = initial
        private set

    private val listeners = CopyOnWriteArrayList<(T) -> Unit>()

    fun set(v: T) {
        value = v
        listeners.forEach { it(v) }
    }

    /** Calls [listener] now and on every change until the returned handle is closed. */
    fun subscribe(listener: (T) -> Unit): AutoCloseable {
        listeners.add(listener)
        listener(value)
        return AutoCloseable { listeners.remove(listener) }
    }
}
