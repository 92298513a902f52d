// Cases (事件): my cases with their deadlines (or all, or the overdue ones); a case's
// detail with its timeline, mediation record and the steps this user may take (from
// CaseDetail.actions, decided by the core); a step form, the mediation session form
// and the agreement with the three signatures. Texts in the "Cases" string table.
import GridfieldFFI
import SwiftUI

extension GridfieldRepository {
    func caseTypes() async throws -> [CaseType] { try await Self.io { [store] in try store.caseTypes() } }

    func cases(_ filter: CaseFilter) async throws -> [Case] {
        try await Self.io { [store] in try store.cases(filter: filter) }
    }

    func caseDetail(_ id: String) async throws -> CaseDetail {
        try await Self.io { [store] in try store.case(id: id) }
    }

    /// A new case, at the phone's last known fix unless it brings one.
    func createCase(_ new: NewCase) async throws -> String {
        var located = new
        if located.location == nil { located.location = LastKnownLocation.shared.current }
        let opened = located
        return try await Self.io { [store] in try store.createCase(new: opened) }
    }

    func caseStep(_ id: String, action: CaseAction, input: CaseStepInput) async throws -> Case {
        try await Self.io { [store] in try store.caseStep(caseId: id, action: action, input: input) }
    }
}

extension CaseAction: Identifiable {
    public var id: Self { self }
}

private func t(_ key: String) -> String {
    String(localized: String.LocalizationValue(key), table: "Cases")
}

struct CasesView: View {
    enum Scope: Hashable { case mine, all, overdue }

    let repository: GridfieldRepository
    @State private var scope = Scope.mine
    @State private var cases: [Case] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                Picker(selection: $scope) {
                    Text(t("cases.mine")).tag(Scope.mine)
                    Text(t("cases.all")).tag(Scope.all)
                    Text(t("cases.overdue")).tag(Scope.overdue)
                } label: {
                    EmptyView()
                }
                .pickerStyle(.segmented)
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                ForEach(cases, id: \.id) { item in
                    NavigationLink {
                        CaseDetailView(repository: repository, caseId: item.id)
                    } label: {
                        CaseRow(item: item)
                    }
                }
            }
            .navigationTitle(Text(t("cases.title")))
            .task(id: scope) { await load() }
            .refreshable { await load() }
        }
    }

    private func load() async {
        do {
            cases = try await repository.cases(CaseFilter(mine: scope == .mine, overdue: scope == .overdue))
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

struct CaseRow: View {
    let item: Case

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(item.typeLabel).font(.headline)
            if !item.description.isEmpty {
                Text(item.description).lineLimit(2)
            }
            HStack {
                Text(caseStatusLabel(status: item.status, lang: Presentation.lang)).font(.caption)
                Text(Presentation.severity(item.severity)).font(.caption)
                if item.overdue {
                    Text(t("case.overdue")).font(.caption).foregroundStyle(.red)
                }
                if let deadline = item.deadline {
                    Text(String(format: t("case.deadline_value"), Presentation.date(deadline, time: false)))
                        .font(.caption)
                }
                Text(Presentation.delivery(item.delivery)).font(.caption).foregroundStyle(.secondary)
            }
        }
    }
}

struct CaseDetailView: View {
    let repository: GridfieldRepository
    let caseId: String
    @State private var detail: CaseDetail?
    @State private var error: String?
    @State private var pendingAction: CaseAction?

    var body: some View {
        List {
            if let error {
                Text(error).foregroundStyle(.red)
            }
            if let detail {
                Section {
                    CaseRow(item: detail.case)
                    LabeledContent {
                        Text(detail.case.ownerPath)
                    } label: {
                        Text(t("case.level"))
                    }
                    ForEach(Array(detail.case.parties.enumerated()), id: \.offset) { _, party in
                        LabeledContent {
                            Text(party.name)
                        } label: {
                            Text(partyRoleLabel(role: party.role, lang: Presentation.lang))
                        }
                    }
                    if !detail.case.photos.isEmpty {
                        PhotoStrip(repository: repository, hashes: detail.case.photos)
                    }
                }
                if let dispute = detail.case.dispute {
                    Section {
                        Text(dispute.subject)
                        ForEach(dispute.sessions, id: \.id) { session in
                            VStack(alignment: .leading) {
                                Text("\(Presentation.date(session.at)) · \(session.place) · \(session.mediator)")
                                    .font(.caption)
                                Text(session.note)
                            }
                        }
                        if let agreement = dispute.agreement {
                            Text(agreement.terms)
                            PhotoStrip(repository: repository, hashes: agreement.signatures.map { $0.photo })
                        }
                    } header: {
                        Text(t("case.mediation"))
                    }
                }
                if !detail.actions.isEmpty {
                    Section {
                        ForEach(detail.actions, id: \.self) { action in
                            Button(caseActionLabel(action: action, lang: Presentation.lang)) { pendingAction = action }
                        }
                    } header: {
                        Text(t("case.actions"))
                    }
                }
                Section {
                    ForEach(detail.events.reversed(), id: \.id) { event in
                        VStack(alignment: .leading, spacing: 4) {
                            HStack {
                                Text(event.action.map { caseActionLabel(action: $0, lang: Presentation.lang) }
                                    ?? t("case.reported")).font(.headline)
                                Text(caseStatusLabel(status: event.toStatus, lang: Presentation.lang))
                                Spacer()
                                Text(Presentation.date(event.at)).font(.caption)
                            }
                            Text("\(event.actor) · \(event.ownerPath)").font(.caption).foregroundStyle(.secondary)
                            if let note = event.note {
                                Text(note)
                            }
                            if !event.photos.isEmpty {
                                PhotoStrip(repository: repository, hashes: event.photos)
                            }
                        }
                    }
                } header: {
                    Text(t("case.timeline"))
                }
            }
        }
        .navigationTitle(Text(t("case.title")))
        .task { await load() }
        .refreshable { await load() }
        .sheet(item: $pendingAction) { action in
            CaseStepForm(repository: repository, caseId: caseId, action: action,
                         parties: detail?.case.parties ?? []) {
                Task { await load() }
            }
        }
    }

    private func load() async {
        do {
            detail = try await repository.caseDetail(caseId)
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

/// One step: a note and photos always; a target to dispatch, a rating to evaluate,
/// the session to mediate, the terms and signatures to agree. The core validates
/// the step; a refusal is shown and the form kept.
private struct CaseStepForm: View {
    enum TargetKind: Hashable { case person, department, level }

    let repository: GridfieldRepository
    let caseId: String
    let action: CaseAction
    let parties: [Party]
    let onDone: () -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var note = ""
    @State private var photos: [String] = []
    @State private var targetKind = TargetKind.person
    @State private var target = ""
    @State private var rating: Satisfaction?
    @State private var place = ""
    @State private var participants = ""
    @State private var agreed = false
    @State private var terms = ""
    @State private var signatures: [SignerRole: String] = [:]
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        NavigationStack {
            Form {
                switch action {
                case .dispatch:
                    Section {
                        Picker(selection: $targetKind) {
                            Text(t("case.to_person")).tag(TargetKind.person)
                            Text(t("case.to_department")).tag(TargetKind.department)
                            Text(t("case.to_level")).tag(TargetKind.level)
                        } label: {
                            EmptyView()
                        }
                        .pickerStyle(.segmented)
                        TextField(t("case.to"), text: $target)
                    }
                case .evaluate:
                    Section {
                        Picker(selection: $rating) {
                            ForEach([Satisfaction.satisfied, .basic, .unsatisfied], id: \.self) { s in
                                Text(satisfactionLabel(score: s, lang: Presentation.lang)).tag(Optional(s))
                            }
                        } label: {
                            Text(t("case.rating"))
                        }
                    }
                case .mediate:
                    Section {
                        TextField(t("case.place"), text: $place)
                        TextField(t("case.participants"), text: $participants)
                        Toggle(t("case.agreed"), isOn: $agreed)
                    }
                case .agree:
                    Section {
                        TextField(t("case.terms"), text: $terms, axis: .vertical)
                    }
                    ForEach([SignerRole.applicant, .respondent, .mediator], id: \.self) { role in
                        Section {
                            if signatures[role] != nil {
                                Text(t("case.signed"))
                            } else {
                                SignaturePad { png in Task { await sign(role, png) } }
                            }
                        } header: {
                            Text(t("case.sign_\(role)"))
                        }
                    }
                default:
                    EmptyView()
                }
                Section {
                    TextField(action == .mediate ? t("case.mediation_note") : t("case.note"), text: $note, axis: .vertical)
                    if action != .agree {
                        PhotoStrip(repository: repository, hashes: photos)
                        PhotoButtons { jpeg in Task { await addPhoto(jpeg) } }
                    }
                }
                if let error {
                    Section { Text(error).foregroundStyle(.red) }
                }
            }
            .navigationTitle(Text(caseActionLabel(action: action, lang: Presentation.lang)))
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("action.cancel") { dismiss() }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("action.save") { Task { await save() } }
                        .disabled(busy)
                }
            }
        }
    }

    private func addPhoto(_ jpeg: Data) async {
        do {
            photos.append(try await repository.addPhoto(jpeg).hash)
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private func sign(_ role: SignerRole, _ png: Data) async {
        do {
            signatures[role] = try await repository.addPhoto(png).hash
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private func signerName(_ role: SignerRole) -> String {
        switch role {
        case .mediator: return repository.identity.user
        case .applicant: return parties.first { $0.role == .applicant }?.name ?? ""
        case .respondent: return parties.first { $0.role == .respondent }?.name ?? ""
        }
    }

    private func save() async {
        busy = true
        defer { busy = false }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let trimmed = target.trimmingCharacters(in: .whitespaces)
        var to: DispatchTarget?
        if action == .dispatch && !trimmed.isEmpty {
            switch targetKind {
            case .person: to = .person(user: trimmed)
            case .department: to = .department(code: trimmed)
            case .level: to = .level(path: trimmed)
            }
        }
        let session = action == .mediate
            ? MediationSession(
                id: UUID().uuidString, at: now, place: place, mediator: repository.identity.user,
                participants: participants.split(whereSeparator: { ",，、".contains($0) })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                outcome: agreed ? .agreed : .notAgreed, note: note)
            : nil
        let agreement = action == .agree
            ? Agreement(
                terms: terms,
                signatures: signatures.map { Signature(role: $0.key, name: signerName($0.key), photo: $0.value) },
                signedAt: now)
            : nil
        let input = CaseStepInput(
            note: action == .mediate || note.isEmpty ? nil : note, photos: photos, to: to, deadline: nil,
            rating: rating, session: session, agreement: agreement)
        do {
            _ = try await repository.caseStep(caseId, action: action, input: input)
            onDone()
            dismiss()
        } catch {
            self.error = Presentation.message(error)
        }
    }
}
