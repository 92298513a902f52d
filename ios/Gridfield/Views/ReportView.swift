// The volunteer's side (志愿者): points (the balance and history in PointsView), the
// reports filed and what became of them, and the composer used after scanning a
// plate, with the report's category. No personal data is shown.
import GridfieldFFI
import SwiftUI

struct ReportView: View {
    let repository: GridfieldRepository
    @State private var points: Int64 = 0
    @State private var reports: [Report] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                Section {
                    NavigationLink {
                        PointsView(repository: repository)
                    } label: {
                        HStack {
                            Label("report.points", systemImage: "star.fill").foregroundStyle(.yellow)
                            Spacer()
                            Text(String(points)).font(.title.bold())
                        }
                    }
                } footer: {
                    Text("report.points_hint")
                }
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                Section {
                    ForEach(reports, id: \.id) { report in
                        VStack(alignment: .leading, spacing: 4) {
                            Text(report.addressText).font(.caption).foregroundStyle(.secondary)
                            ReportRow(report: report)
                        }
                    }
                } header: {
                    Text("report.mine")
                }
            }
            .overlay {
                if reports.isEmpty && error == nil {
                    Text("report.empty").foregroundStyle(.secondary)
                }
            }
            .navigationTitle(Text("report.title"))
            .task { await load() }
            .refreshable { await load() }
        }
    }

    private func load() async {
        do {
            // The balance the server confirmed at the last sync, as the ledger shows it.
            points = try await repository.pointsSummary().balance
            reports = try await repository.reports()
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

/// Report a problem or a clue at a scanned address, with photos; it waits in the
/// outbox until the next sync.
struct ReportComposer: View {
    let repository: GridfieldRepository
    let addressCode: String
    /// Carried from the plate when the address is not on this phone.
    let addressText: String?
    @Environment(\.dismiss) private var dismiss
    @State private var text = ""
    @State private var category: String?
    @State private var categories: [CaseType] = []
    @State private var photos: [String] = []
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        Form {
            if let addressText {
                Section { Text(addressText) }
            }
            Section {
                // From the synced case taxonomy; subtypes indented under their type.
                Picker("report.category", selection: $category) {
                    Text("report.category_none").tag(String?.none)
                    ForEach(categories, id: \.code) { c in
                        Text(c.parent == nil ? c.label : "\u{3000}" + c.label).tag(Optional(c.code))
                    }
                }
            }
            Section {
                TextField("report.text", text: $text, axis: .vertical)
                    .lineLimit(4...10)
                PhotoStrip(repository: repository, hashes: photos)
                PhotoButtons { jpeg in Task { await addPhoto(jpeg) } }
            }
            if let error {
                Section { Text(error).foregroundStyle(.red) }
            }
            Section {
                Button("report.submit") { Task { await submit() } }
                    .disabled(busy || text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            }
        }
        .navigationTitle(Text("report.new"))
        .onAppear { LastKnownLocation.shared.start() }
        .task {
            do {
                categories = try await repository.reportCategories()
            } catch {
                self.error = Presentation.message(error)
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

    private func submit() async {
        busy = true
        defer { busy = false }
        let report = NewReport(
            addressCode: addressCode, addressText: addressText,
            text: text.trimmingCharacters(in: .whitespacesAndNewlines), photos: photos,
            location: LastKnownLocation.shared.current, category: category)
        do {
            _ = try await repository.fileReport(report)
            dismiss()
        } catch {
            self.error = Presentation.message(error)
        }
    }
}
