// One checklist item's input, by its kind: yes/no/NA segments, a number, text, single
// or multiple choice, photos, or a signature. Each change goes straight to the runner.
@file:OptIn(ExperimentalMaterial3Api::class)

package cn.gridfield.app.ui.checklist

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Checkbox
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.SegmentedButton
import androidx.compose.material3.SegmentedButtonDefaults
import androidx.compose.material3.SingleChoiceSegmentedButtonRow
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import cn.gridfield.app.R
import cn.gridfield.app.ui.common.ErrorText
import cn.gridfield.app.ui.common.PhotoStrip
import cn.gridfield.app.ui.common.PhotoThumb
import cn.gridfield.app.ui.common.rememberPhotoCapture
import cn.gridfield.app.ui.common.text
import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.ChecklistItem
import cn.gridfield.ffi.ItemKind
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.YesNoNa

/** What an item's input can do to the draft. */
class ItemActions(
    val answer: (Answer?) -> Unit,
    val addPhoto: (ByteArray) -> Unit,
    val sign: (ByteArray) -> Unit,
)

@Composable
fun ItemInput(item: ChecklistItem, answer: Answer?, lang: Lang, actions: ItemActions) {
    when (val kind = item.kind) {
        ItemKind.YesNoNa -> YesNoNaInput((answer as? Answer.YesNoNa)?.value) { actions.answer(Answer.YesNoNa(it)) }
        is ItemKind.Number -> NumberInput(item.id, kind, (answer as? Answer.Number)?.value, actions.answer)
        is ItemKind.Text -> TextInput(item.id, kind.maxLen.toInt(), (answer as? Answer.Text)?.value.orEmpty(), actions.answer)
        is ItemKind.SingleChoice -> Column {
            val selected = (answer as? Answer.Choice)?.option
            kind.options.forEach { o ->
                Row(
                    Modifier.fillMaxWidth().clickable { actions.answer(Answer.Choice(o.id)) },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    RadioButton(selected = o.id == selected, onClick = { actions.answer(Answer.Choice(o.id)) })
                    Text(o.label.text(lang))
                }
            }
        }
        is ItemKind.MultiChoice -> Column {
            val chosen = (answer as? Answer.Choices)?.options.orEmpty()
            kind.options.forEach { o ->
                val toggle = {
                    val next = if (o.id in chosen) chosen - o.id else chosen + o.id
                    actions.answer(if (next.isEmpty()) null else Answer.Choices(next))
                }
                Row(Modifier.fillMaxWidth().clickable(onClick = toggle), verticalAlignment = Alignment.CenterVertically) {
                    Checkbox(checked = o.id in chosen, onCheckedChange = { toggle() })
                    Text(o.label.text(lang))
                }
            }
        }
        is ItemKind.Photo -> {
            val hashes = (answer as? Answer.Photos)?.hashes.orEmpty()
            val capture = rememberPhotoCapture(actions.addPhoto)
            PhotoStrip(hashes)
            OutlinedButton(onClick = capture, enabled = hashes.size < kind.max.toInt()) {
                Text(stringResource(R.string.checklist_take_photo, hashes.size, kind.max.toInt()))
            }
        }
        ItemKind.Signature -> SignatureInput((answer as? Answer.Signature)?.hash, actions.sign)
    }
}

@Composable
private fun YesNoNaInput(value: YesNoNa?, onPick: (YesNoNa) -> Unit) {
    val options = listOf(
        YesNoNa.YES to R.string.answer_yes,
        YesNoNa.NO to R.string.answer_no,
        YesNoNa.NA to R.string.answer_na,
    )
    SingleChoiceSegmentedButtonRow(Modifier.fillMaxWidth()) {
        options.forEachIndexed { index, (v, label) ->
            SegmentedButton(
                selected = value == v,
                onClick = { onPick(v) },
                shape = SegmentedButtonDefaults.itemShape(index = index, count = options.size),
            ) { Text(stringResource(label)) }
        }
    }
}

@Composable
private fun NumberInput(itemId: String, kind: ItemKind.Number, value: Double?, onAnswer: (Answer?) -> Unit) {
    fun show(v: Double?) = when {
        v == null -> ""
        kind.integer || v % 1.0 == 0.0 -> v.toLong().toString()
        else -> v.toString()
    }
    // The field keeps what is typed ("1." on the way to "1.5"); the draft gets numbers only.
    var text by rememberSaveable(itemId) { mutableStateOf(show(value)) }
    var invalid by rememberSaveable(itemId) { mutableStateOf(false) }
    val unit = kind.unit
    OutlinedTextField(
        value = text,
        onValueChange = { t ->
            text = t
            val parsed = t.trim().toDoubleOrNull()
            invalid = t.isNotBlank() && parsed == null
            if (!invalid) onAnswer(parsed?.let { Answer.Number(it) })
        },
        singleLine = true,
        suffix = if (unit != null) ({ Text(unit) }) else null,
        keyboardOptions = KeyboardOptions(keyboardType = if (kind.integer) KeyboardType.Number else KeyboardType.Decimal),
        isError = invalid,
        modifier = Modifier.fillMaxWidth(),
    )
    if (invalid) ErrorText(stringResource(R.string.checklist_not_a_number))
}

@Composable
private fun TextInput(itemId: String, maxLen: Int, value: String, onAnswer: (Answer?) -> Unit) {
    var text by rememberSaveable(itemId) { mutableStateOf(value) }
    OutlinedTextField(
        value = text,
        onValueChange = { t ->
            if (maxLen > 0 && t.length > maxLen) return@OutlinedTextField
            text = t
            onAnswer(if (t.isBlank()) null else Answer.Text(t))
        },
        supportingText = if (maxLen > 0) ({ Text("${text.length}/$maxLen") }) else null,
        modifier = Modifier.fillMaxWidth(),
    )
}

@Composable
private fun SignatureInput(hash: String?, onSigned: (ByteArray) -> Unit) {
    var redo by rememberSaveable { mutableStateOf(false) }
    if (hash != null && !redo) {
        Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
            PhotoThumb(hash, size = 160.dp)
            TextButton(onClick = { redo = true }) { Text(stringResource(R.string.signature_redo)) }
        }
    } else {
        SignaturePad { png ->
            onSigned(png)
            redo = false
        }
    }
}
