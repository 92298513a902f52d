// What every screen reads from its surroundings: the open session and the user's
// language, plus the view-model helpers that wire both into screens' view models.
package cn.gridfield.app.ui.common

import androidx.compose.runtime.Composable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.platform.LocalContext
import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import cn.gridfield.app.GridfieldApp
import cn.gridfield.app.Session
import cn.gridfield.app.gridfieldApp
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.LocalizedText

val LocalLang = staticCompositionLocalOf { Lang.ZH }
val LocalSession = staticCompositionLocalOf<Session> { error("no session: the phone is not enrolled yet") }

/** Template texts in the user's language (Chinese when no English was written). */
fun LocalizedText.text(lang: Lang): String = if (lang == Lang.EN && en.isNotBlank()) en else zh

/** A view model built from the open session, scoped to the current navigation entry. */
@Composable
inline fun <reified VM : ViewModel> sessionViewModel(
    crossinline create: (session: Session, lang: Lang, app: GridfieldApp) -> VM,
): VM {
    val session = LocalSession.current
    val lang = LocalLang.current
    val app = LocalContext.current.gridfieldApp
    return viewModel { create(session, lang, app) }
}

/**
 * Like [sessionViewModel], with the entry's [SavedStateHandle]: what a screen must
 * survive process death with (the id of the draft it created).
 */
@Composable
inline fun <reified VM : ViewModel> sessionViewModelWithState(
    crossinline create: (session: Session, lang: Lang, app: GridfieldApp, saved: SavedStateHandle) -> VM,
): VM {
    val session = LocalSession.current
    val lang = LocalLang.current
    val app = LocalContext.current.gridfieldApp
    return viewModel { create(session, lang, app, createSavedStateHandle()) }
}
