// Hazards (隐患) in this device's scope, filtered to open or overdue ones; each opens
// its detail with the lifecycle steps this role may take.
import GridfieldFFI
import SwiftUI

struct HazardsView: View {
    enum Scope: Hashable { case open, overdue, all }

    let repository: GridfieldRepository
    @State private var scope = Scope.open
    @State private var hazards: [Hazard] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                Picker(selection: $scope) {
                    Text("hazards.open").tag(Scope.open)
                    Text("hazards.overdue").tag(Scope.overdue)
                    Text("hazards.all").tag(Scope.all)
                } label: {
                    EmptyView()
                }
                .pickerStyle(.segmented)
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                ForEach(hazards, id: \.id) { hazard in
                    NavigationLink {
                        HazardDetailView(repository: repository, hazardId: hazard.id)
                    } label: {
                        HazardRow(hazard: hazard)
                    }
                }
            }
            .navigationTitle(Text("hazards.title"))
            .task(id: scope) { await load() }
            .refreshable { await load() }
        }
    }

    private func load() async {
        let filter = HazardFilter(
            status: nil, overdueOnly: scope == .overdue, openOnly: scope != .all, addressCode: nil, limit: 500)
        do {
            hazards = try await repository.hazards(filter)
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

struct HazardDetailView: View {
    let repository: GridfieldRepository
    let hazardId: String
    @State private var detail: HazardDetail?
    @State private var error: String?
    @State private var pendingAction: HazardAction?

    var body: some View {
        List {
            if let error {
                Text(error).foregroundStyle(.red)
            }
            if let detail {
                Section {
                    HazardRow(hazard: detail.hazard)
                    Text(detail.hazard.description)
                    if let assignee = detail.hazard.assignee {
                        LabeledContent {
                            Text(assignee)
                        } label: {
                            Text("hazard.assignee")
                        }
                    }
                    if !detail.hazard.photos.isEmpty {
                        PhotoStrip(repository: repository, hashes: detail.hazard.photos)
                    }
                }
                if !detail.actions.isEmpty {
                    Section {
                        ForEach(detail.actions, id: \.self) { action in
                            Button(Presentation.action(action)) { pendingAction = action }
                        }
                    } header: {
                        Text("hazard.actions")
                    }
                }
                Section {
                    ForEach(detail.events.reversed(), id: \.id) { event in
                        VStack(alignment: .leading, spacing: 4) {
                            HStack {
                                Text(Presentation.status(event.toStatus)).font(.headline)
                                Spacer()
                                Text(Presentation.date(event.at)).font(.caption)
                            }
                            Text(event.actor).font(.caption).foregroundStyle(.secondary)
                            if let note = event.note {
                                Text(note)
                            }
                            if let deadline = event.deadline {
                                Text(String(format: String(localized: "hazard.deadline_value"), Presentation.date(deadline, time: false)))
                                    .font(.caption)
                            }
                            if !event.photos.isEmpty {
                                PhotoStrip(repository: repository, hashes: event.photos)
                            }
                        }
                    }
                } header: {
                    Text("hazard.history")
                }
            }
        }
        .navigationTitle(Text("hazard.title"))
        .task { await load() }
        .refreshable { await load() }
        .sheet(item: $pendingAction) { action in
            HazardStepForm(repository: repository, hazardId: hazardId, action: action) {
                Task { await load() }
            }
        }
    }

    private func load() async {
        do {
            detail = try await repository.hazard(hazardId)
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

extension HazardAction: Identifiable {
    public var id: Self { self }
}

/// One lifecycle step: assignee and deadline when assigning, a note and photos always.
/// The core validates the step; a refusal is shown and the form kept.
private struct HazardStepForm: View {
    let repository: GridfieldRepository
    let hazardId: String
    let action: HazardAction
    let onDone: () -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var assignee = ""
    @State private var deadline = Date().addingTimeInterval(7 * 24 * 3600)
    @State private var note = ""
    @State private var photos: [String] = []
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        NavigationStack {
            Form {
                if action == .assign {
                    Section {
                        TextField("hazard.assignee", text: $assignee)
                        DatePicker(selection: $deadline, in: Date()..., displayedComponents: .date) {
                            Text("hazard.deadline")
                        }
                    }
                }
                Section {
                    TextField("hazard.note", text: $note, axis: .vertical)
                    PhotoStrip(repository: repository, hashes: photos)
                    PhotoButtons { jpeg in Task { await addPhoto(jpeg) } }
                }
                if let error {
                    Section { Text(error).foregroundStyle(.red) }
                }
            }
            .navigationTitle(Text(Presentation.action(action)))
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

    private func save() async {
        busy = true
        defer { busy = false }
        let assigning = action == .assign
        let input = StepInput(
            assignee: assigning ? assignee.trimmingCharacters(in: .whitespaces) : nil,
            deadline: assigning ? Int64(deadline.timeIntervalSince1970 * 1000) : nil,
            note: note.isEmpty ? nil : note,
            photos: photos)
        do {
            _ = try await repository.hazardStep(hazardId, action: action, input: input)
            onDone()
            dismiss()
        } catch {
            self.error = Presentation.message(error)
        }
    }
}
