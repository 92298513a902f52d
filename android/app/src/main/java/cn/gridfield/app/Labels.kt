// The core's names for statuses, actions, severities, roles and hazard categories,
// fetched from Rust off the main thread and cached, so composables can show them
// without an FFI call while drawing.
package cn.gridfield.app

import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.HazardAction
import cn.gridfield.ffi.HazardStatus
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.Role
import cn.gridfield.ffi.Severity
import cn.gridfield.ffi.hazardActionLabel
import cn.gridfield.ffi.hazardStatusLabel
import cn.gridfield.ffi.reviewStatusLabel
import cn.gridfield.ffi.roleLabel
import cn.gridfield.ffi.severityLabel
import java.util.concurrent.ConcurrentHashMap

class Labels private constructor(
    private val statuses: Map<Pair<HazardStatus, Lang>, String>,
    private val actions: Map<Pair<HazardAction, Lang>, String>,
    private val severities: Map<Pair<Severity, Lang>, String>,
    private val reviews: Map<Pair<ReviewStatus, Lang>, String>,
    private val roles: Map<Pair<Role, Lang>, String>,
) {
    private val categories = ConcurrentHashMap<Pair<String, Lang>, String>()

    fun status(s: HazardStatus, lang: Lang) = statuses.getValue(s to lang)
    fun action(a: HazardAction, lang: Lang) = actions.getValue(a to lang)
    fun severity(s: Severity, lang: Lang) = severities.getValue(s to lang)
    fun review(s: ReviewStatus, lang: Lang) = reviews.getValue(s to lang)
    fun role(r: Role, lang: Lang) = roles.getValue(r to lang)

    /** A category's name once [loadCategories] has seen it; its code until then. */
    fun category(code: String, lang: Lang): String = categories[code to lang] ?: code

    /**
     * Names the categories of freshly loaded hazards (on the IO dispatcher) by the
     * taxonomy the store holds: the server's, once synced.
     */
    suspend fun loadCategories(store: GridfieldStore, codes: Collection<String>) {
        val missing = codes.toSet().flatMap { c -> Lang.entries.map { c to it } }.filterNot { categories.containsKey(it) }
        if (missing.isEmpty()) return
        IoBackground.io { missing.forEach { (code, lang) -> categories[code to lang] = store.hazardCategoryLabel(code, lang) } }
    }

    companion object {
        /** All enum labels in both languages: a few dozen quick calls, made once per session. */
        suspend fun load(): Labels = IoBackground.io {
            fun <E> table(values: List<E>, label: (E, Lang) -> String): Map<Pair<E, Lang>, String> =
                values.flatMap { v -> Lang.entries.map { l -> (v to l) to label(v, l) } }.toMap()
            Labels(
                table(HazardStatus.entries, ::hazardStatusLabel),
                table(HazardAction.entries, ::hazardActionLabel),
                table(Severity.entries, ::severityLabel),
                table(ReviewStatus.entries, ::reviewStatusLabel),
                table(Role.entries, ::roleLabel),
            )
        }
    }
}
