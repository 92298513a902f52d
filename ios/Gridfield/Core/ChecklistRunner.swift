// The checklist runner's state, without UI: answers as the worker gives them, each
// saved to the encrypted store at once (a dead battery loses nothing), and the core's
// live check of what is missing or failing. Scoring and fail rules stay in Rust.
import Foundation
import GridfieldFFI

@MainActor
final class ChecklistRunner: ObservableObject {
    let template: ChecklistTemplate
    let inspectionId: String
    @Published private(set) var answers: [String: Answer]
    /// Evidence photos per failing item.
    @Published private(set) var evidence: [String: [String]]
    @Published private(set) var check = ChecklistCheck(complete: false, problems: [], outcome: nil)
    @Published var error: String?

    private let repository: GridfieldRepository

    private init(
        repository: GridfieldRepository, template: ChecklistTemplate, inspectionId: String,
        answers: [String: Answer], evidence: [String: [String]]
    ) {
        self.repository = repository
        self.template = template
        self.inspectionId = inspectionId
        self.answers = answers
        self.evidence = evidence
    }

    static func start(
        repository: GridfieldRepository, template: ChecklistTemplate, addressCode: String
    ) async throws -> ChecklistRunner {
        let new = NewInspection(
            templateId: template.id, templateVersion: template.version, addressCode: addressCode,
            subjectKind: nil, subjectId: nil, location: nil)
        let id = try await GridfieldRepository.io { try repository.store.startInspection(new: new) }
        let runner = ChecklistRunner(
            repository: repository, template: template, inspectionId: id, answers: [:], evidence: [:])
        await runner.refresh()
        return runner
    }

    /// Continues a draft, or corrects an inspection the supervisor returned.
    static func resume(repository: GridfieldRepository, inspectionId: String) async throws -> ChecklistRunner {
        let inspection = try await repository.inspection(inspectionId)
        let template = try await repository.template(
            inspection.summary.templateId, version: inspection.summary.templateVersion)
        var answers: [String: Answer] = [:]
        for given in inspection.answers {
            answers[given.itemId] = given.answer
        }
        var evidence: [String: [String]] = [:]
        for photos in inspection.photos {
            evidence[photos.itemId] = photos.hashes
        }
        let runner = ChecklistRunner(
            repository: repository, template: template, inspectionId: inspectionId,
            answers: answers, evidence: evidence)
        await runner.refresh()
        return runner
    }

    var items: [ChecklistItem] { template.sections.flatMap(\.items) }

    func problems(for itemId: String) -> [AnswerProblem] {
        check.problems.filter { $0.itemId == itemId }
    }

    /// Answers one item and saves the draft; a value that does not fit changes nothing.
    func answer(_ itemId: String, _ answer: Answer?) async {
        var next = answers
        next[itemId] = answer
        if await save(answers: next, evidence: evidence) {
            answers = next
            await refresh()
        }
    }

    /// Adds an evidence photo to a failing item.
    func addEvidence(_ itemId: String, jpeg: Data) async {
        guard let ref = await store(jpeg) else { return }
        var next = evidence
        next[itemId, default: []].append(ref.hash)
        if await save(answers: answers, evidence: next) {
            evidence = next
            await refresh()
        }
    }

    /// A photo item's picture, or the signature pad's PNG.
    func answerWithImage(_ itemId: String, image: Data, signature: Bool) async {
        guard let ref = await store(image) else { return }
        if signature {
            await answer(itemId, .signature(hash: ref.hash))
        } else {
            var hashes: [String] = []
            if case let .photos(existing)? = answers[itemId] {
                hashes = existing
            }
            await answer(itemId, .photos(hashes: hashes + [ref.hash]))
        }
    }

    /// Finishes: validated and scored by the core, hazards raised, queued for sync.
    /// Where it was done: the phone's last known fix at this moment, never waited for.
    func submit() async throws -> InspectionOutcome {
        let id = inspectionId
        let fix = LastKnownLocation.shared.current
        return try await GridfieldRepository.io { [repository] in
            try repository.store.submitInspection(inspectionId: id, location: fix)
        }
    }

    private func store(_ bytes: Data) async -> PhotoRef? {
        do {
            return try await repository.addPhoto(bytes)
        } catch {
            self.error = Presentation.message(error)
            return nil
        }
    }

    private func save(answers: [String: Answer], evidence: [String: [String]]) async -> Bool {
        let id = inspectionId
        let given = Self.itemAnswers(answers)
        let photos = Self.itemPhotos(evidence)
        do {
            try await GridfieldRepository.io { [repository] in
                try repository.store.saveAnswers(inspectionId: id, answers: given, photos: photos)
            }
            error = nil
            return true
        } catch {
            self.error = Presentation.message(error)
            return false
        }
    }

    private func refresh() async {
        let template = self.template
        let given = Self.itemAnswers(answers)
        let photos = Self.itemPhotos(evidence)
        do {
            check = try await GridfieldRepository.io { [repository] in
                try repository.store.checkAnswers(
                    templateId: template.id, version: template.version, answers: given, photos: photos)
            }
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private static func itemAnswers(_ answers: [String: Answer]) -> [ItemAnswer] {
        answers.map { ItemAnswer(itemId: $0.key, answer: $0.value) }
    }

    private static func itemPhotos(_ evidence: [String: [String]]) -> [ItemPhotos] {
        evidence.map { ItemPhotos(itemId: $0.key, hashes: $0.value) }
    }
}
