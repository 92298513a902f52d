// What the shells show a person when something goes wrong: the core's own reason,
// in Simplified Chinese by default or English, never a stack trace.
package cn.gridfield.data

import cn.gridfield.ffi.GridfieldException
import cn.gridfield.ffi.Lang

/** The stable machine code of any core error (`wrong_key`, `photo_too_large`…). */
val GridfieldException.code: String
    get() = when (this) {
        is GridfieldException.WrongKey -> code
        is GridfieldException.Setup -> code
        is GridfieldException.StorageFull -> code
        is GridfieldException.InvalidInput -> code
        is GridfieldException.NotFound -> code
        is GridfieldException.NotPermitted -> code
        is GridfieldException.Sync -> code
        is GridfieldException.Revoked -> code
        is GridfieldException.Cancelled -> code
        is GridfieldException.UpdateRequired -> code
        is GridfieldException.Internal -> code
    }

/** The reason to show, in [lang]. */
fun GridfieldException.reason(lang: Lang = Lang.ZH): String {
    val (zh, en) = when (this) {
        is GridfieldException.WrongKey -> reason to reasonEn
        is GridfieldException.Setup -> reason to reasonEn
        is GridfieldException.StorageFull -> reason to reasonEn
        is GridfieldException.InvalidInput -> reason to reasonEn
        is GridfieldException.NotFound -> reason to reasonEn
        is GridfieldException.NotPermitted -> reason to reasonEn
        is GridfieldException.Sync -> reason to reasonEn
        is GridfieldException.Revoked -> reason to reasonEn
        is GridfieldException.Cancelled -> reason to reasonEn
        is GridfieldException.UpdateRequired -> reason to reasonEn
        is GridfieldException.Internal -> reason to reasonEn
    }
    return if (lang == Lang.EN) en else zh
}

/** Whatever a call threw, as a message for a person. */
fun userMessage(t: Throwable, lang: Lang = Lang.ZH): String = when (t) {
    is GridfieldException -> t.reason(lang)
    else -> if (lang == Lang.EN) "Unexpected error; nothing was lost" else "发生意外错误，数据未丢失"
}
