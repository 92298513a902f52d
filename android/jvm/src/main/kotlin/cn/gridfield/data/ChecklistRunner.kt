// The checklist runner's state, without UI: answers as the worker gives them, each
// one saved to the encrypted store at once (a dead battery loses nothing), and the
// core's live check of what is missing or failing. Scoring and fail rules stay in
// Rust; this layer never re-implements them.
package cn.gridfield.data

import cn.gridfield.ffi.Answer
import cn.gridfield.ffi.AnswerProblem
import cn.gridfield.ffi.ChecklistCheck
import cn.gridfield.ffi.ChecklistItem
import cn.gridfield.ffi.ChecklistTemplate
import cn.gridfield.ffi.GeoPoint
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.Inspection
import cn.gridfield.ffi.InspectionOutcome
import cn.gridfield.ffi.ItemAnswer
import cn.gridfield.ffi.ItemPhotos
import cn.gridfield.ffi.NewInspection
import cn.gridfield.ffi.EntityKind

data class ChecklistState(
    val answers: Map<String, Answer>,
    /** Evidence photos per failing item. */
    val evidence: Map<String, List<String>>,
    val check: ChecklistCheck,
) {
    fun problems(itemId: String): List<AnswerProblem> = check.problems.filter { it.itemId == itemId }

    /** Items still unanswered or wrong, in template order (the "next" button). */
    val openItems: List<String> get() = check.problems.map { it.itemId }.distinct()
}

class ChecklistRunner private constructor(
    private val store: GridfieldStore,
    private val bg: Background,
    val template: ChecklistTemplate,
    val inspectionId: String,
    answers: Map<String, Answer>,
    evidence: Map<String, List<String>>,
    private val location: LocationSource,
) {
    private val answers = LinkedHashMap(answers)
    private val evidence = LinkedHashMap(evidence)
    val state = Observable(ChecklistState(answers, evidence, ChecklistCheck(false, emptyList(), null)))

    val items: List<ChecklistItem> get() = template.sections.flatMap { it.items }

    companion object {
        suspend fun start(
            store: GridfieldStore,
            bg: Background,
            template: ChecklistTemplate,
            addressCode: String,
            subjectKind: EntityKind? = null,
            subjectId: String? = null,
            location: LocationSource = LocationSource.NONE,
        ): ChecklistRunner {
            val id = bg.io {
                store.startInspection(NewInspection(template.id, template.version, addressCode, subjectKind, subjectId, null))
            }
            return ChecklistRunner(store, bg, template, id, emptyMap(), emptyMap(), location).also { it.refresh() }
        }

        suspend fun resume(
            store: GridfieldStore,
            bg: Background,
            template: ChecklistTemplate,
            inspection: Inspection,
            location: LocationSource = LocationSource.NONE,
        ): ChecklistRunner =
            ChecklistRunner(
                store, bg, template, inspection.summary.id,
                inspection.answers.associate { it.itemId to it.answer },
                inspection.photos.associate { it.itemId to it.hashes },
                location,
            ).also { it.refresh() }
    }

    /** Answers one item and saves the draft; a value that does not fit throws and changes nothing. */
    suspend fun answer(itemId: String, answer: Answer?) {
        val next = LinkedHashMap(answers).apply { if (answer == null) remove(itemId) else put(itemId, answer) }
        save(next, evidence)
        answers.clear(); answers.putAll(next)
        refresh()
    }

    /** Adds an evidence photo to a failing item (stored, then saved with the draft). */
    suspend fun addEvidence(itemId: String, jpeg: ByteArray) {
        val ref = bg.io { store.addPhoto(jpeg) }
        val next = LinkedHashMap(evidence).apply { put(itemId, (get(itemId) ?: emptyList()) + ref.hash) }
        save(answers, next)
        evidence.clear(); evidence.putAll(next)
        refresh()
    }

    /** A photo item's picture or the signature pad's image. */
    suspend fun answerWithImage(itemId: String, image: ByteArray, signature: Boolean = false) {
        val ref = bg.io { store.addPhoto(image) }
        val current = answers[itemId]
        val answer = if (signature) {
            Answer.Signature(ref.hash)
        } else {
            Answer.Photos(((current as? Answer.Photos)?.hashes ?: emptyList()) + ref.hash)
        }
        answer(itemId, answer)
    }

    /** Finishes: validated and scored by the core, hazards raised, queued for sync. */
    /** Where it was done: [at], else the phone's last known fix at this moment (never waited for). */
    suspend fun submit(at: GeoPoint? = location.lastKnown()): InspectionOutcome =
        bg.io { store.submitInspection(inspectionId, at) }

    private suspend fun save(a: Map<String, Answer>, e: Map<String, List<String>>) = bg.io {
        store.saveAnswers(inspectionId, a.map { ItemAnswer(it.key, it.value) }, e.map { ItemPhotos(it.key, it.value) })
    }

    private suspend fun refresh() {
        val check = bg.io {
            store.checkAnswers(
                template.id, template.version,
                answers.map { ItemAnswer(it.key, it.value) },
                evidence.map { ItemPhotos(it.key, it.value) },
            )
        }
        state.set(ChecklistState(LinkedHashMap(answers), LinkedHashMap(evidence), check))
    }
}
