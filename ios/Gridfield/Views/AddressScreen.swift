// One address and everything at it (一标多实): households, persons, rental units,
// businesses, and the history of inspections, hazards and reports. Checklists start
// here. (Named AddressScreen: `AddressView` is the core's record of the same thing.)
import GridfieldFFI
import SwiftUI

struct AddressScreen: View {
    let repository: GridfieldRepository
    let code: String
    @State private var view: GridfieldFFI.AddressView?
    @State private var templates: [ChecklistTemplate] = []
    @State private var error: String?
    @State private var runner: ChecklistRunner?

    var body: some View {
        List {
            if let error {
                Text(error).foregroundStyle(.red)
            }
            if let view {
                Section {
                    Text(view.address.fullText).font(.headline)
                    if let serial = view.address.plateSerial {
                        LabeledContent {
                            Text(serial)
                        } label: {
                            Text("scan.serial")
                        }
                    }
                }
                ForEach([EntityKind.household, .person, .rentalUnit, .business], id: \.self) { kind in
                    let entities = view.entities.filter { $0.kind == kind && !$0.deleted }
                    if !entities.isEmpty {
                        Section {
                            ForEach(entities, id: \.id) { entity in
                                EntityRow(entity: entity, repository: repository)
                            }
                        } header: {
                            Text(Presentation.entityKind(kind))
                        }
                    }
                }
                if repository.identity.role != .volunteer && !templates.isEmpty {
                    Section {
                        ForEach(templates, id: \.id) { template in
                            Button {
                                Task { await start(template) }
                            } label: {
                                VStack(alignment: .leading) {
                                    Label(Presentation.text(template.title), systemImage: "checklist")
                                    // The business kinds a checklist is for (三小场所, 民宿, …).
                                    if !template.businessKindLabels.isEmpty {
                                        Text(String(
                                            format: String(localized: "address.checklist_for"),
                                            template.businessKindLabels.joined(separator: String(localized: "list.separator"))))
                                            .font(.caption).foregroundStyle(.secondary)
                                    }
                                }
                            }
                        }
                    } header: {
                        Text("address.start_checklist")
                    }
                }
                historySections(view)
            }
        }
        .navigationTitle(Text("address.title"))
        .navigationDestination(isPresented: runnerShown) {
            if let runner {
                ChecklistView(runner: runner, repository: repository)
            }
        }
        .task { await load() }
        .refreshable { await load() }
    }

    private var runnerShown: Binding<Bool> {
        Binding(get: { runner != nil }, set: { shown in if !shown { runner = nil } })
    }

    @ViewBuilder
    private func historySections(_ view: GridfieldFFI.AddressView) -> some View {
        if !view.inspections.isEmpty {
            Section {
                ForEach(view.inspections, id: \.id) { inspection in
                    Button {
                        Task { await resume(inspection) }
                    } label: {
                        InspectionRow(inspection: inspection)
                    }
                    .disabled(!(inspection.reviewStatus == .draft || inspection.reviewStatus == .returned))
                }
            } header: {
                Text("address.inspections")
            }
        }
        if !view.hazards.isEmpty {
            Section {
                ForEach(view.hazards, id: \.id) { hazard in
                    NavigationLink {
                        HazardDetailView(repository: repository, hazardId: hazard.id)
                    } label: {
                        HazardRow(hazard: hazard)
                    }
                }
            } header: {
                Text("address.hazards")
            }
        }
        if !view.reports.isEmpty {
            Section {
                ForEach(view.reports, id: \.id) { report in
                    ReportRow(report: report)
                }
            } header: {
                Text("address.reports")
            }
        }
    }

    private func load() async {
        do {
            view = try await repository.address(code)
            if repository.identity.role != .volunteer {
                // What may start here now: newest versions, none retired (the core decides).
                templates = try await repository.templatesAt(code)
            }
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private func start(_ template: ChecklistTemplate) async {
        do {
            runner = try await ChecklistRunner.start(repository: repository, template: template, addressCode: code)
        } catch {
            self.error = Presentation.message(error)
        }
    }

    /// A draft continues; a returned inspection is corrected and resubmitted.
    private func resume(_ inspection: InspectionSummary) async {
        do {
            runner = try await ChecklistRunner.resume(repository: repository, inspectionId: inspection.id)
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

private struct EntityRow: View {
    let entity: Entity
    let repository: GridfieldRepository
    /// Full values the user asked to see, by field name; gone with the row.
    @State private var revealed: [String: String] = [:]

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            ForEach(entity.fields.filter { $0.value != nil }, id: \.name) { field in
                HStack(alignment: .firstTextBaseline) {
                    Text(field.name).font(.caption).foregroundStyle(.secondary)
                    Spacer()
                    // Masked by the core; the full value only after an audited reveal.
                    Text(revealed[field.name] ?? field.value ?? "")
                    if field.masked && revealed[field.name] == nil {
                        Button("entity.reveal") {
                            Task { await reveal(field.name) }
                        }
                        .buttonStyle(.borderless)
                    }
                }
            }
        }
    }

    private func reveal(_ name: String) async {
        if let value = try? await repository.revealField(kind: entity.kind, id: entity.id, field: name) {
            revealed[name] = value
        }
    }
}

struct InspectionRow: View {
    let inspection: InspectionSummary

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(Presentation.review(inspection.reviewStatus)).font(.headline)
                Spacer()
                if let score = inspection.score {
                    Text(String(format: String(localized: "checklist.score_value"), Int(score)))
                }
            }
            if let comment = inspection.reviewComment, inspection.reviewStatus == .returned {
                Text(comment).foregroundStyle(.orange)
            }
            HStack {
                Text(Presentation.date(inspection.startedAt)).font(.caption)
                Spacer()
                DeliveryBadge(delivery: inspection.delivery)
            }
        }
    }
}

struct HazardRow: View {
    let hazard: Hazard

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(hazard.categoryLabel).font(.headline)
                Spacer()
                Text(Presentation.severity(hazard.severity)).foregroundStyle(hazard.severity.tint)
            }
            HStack {
                Text(Presentation.status(hazard.status))
                if hazard.overdue {
                    Text("hazard.overdue").bold().foregroundStyle(.red)
                }
                Spacer()
                if let deadline = hazard.deadline {
                    Text(Presentation.date(deadline, time: false)).font(.caption)
                }
                DeliveryBadge(delivery: hazard.delivery)
            }
            .font(.subheadline)
        }
    }
}

struct ReportRow: View {
    let report: Report

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            if let category = report.categoryLabel {
                Text(category).font(.caption).foregroundStyle(.tint)
            }
            Text(report.text).lineLimit(3)
            HStack {
                Text(Presentation.reportStatus(report.status))
                if report.points > 0 {
                    Text(String(format: String(localized: "report.points_value"), Int(report.points)))
                        .foregroundStyle(.green)
                }
                Spacer()
                DeliveryBadge(delivery: report.delivery)
            }
            .font(.subheadline)
            if let note = report.decisionNote {
                Text(note).font(.caption).foregroundStyle(.secondary)
            }
        }
    }
}

/// Where a record is: only on this phone, on the server, reviewed, or refused.
struct DeliveryBadge: View {
    let delivery: Delivery

    var body: some View {
        Text(Presentation.delivery(delivery))
            .font(.caption2)
            .padding(.horizontal, 6)
            .padding(.vertical, 2)
            .background(delivery.tint.opacity(0.15), in: Capsule())
            .foregroundStyle(delivery.tint)
    }
}
