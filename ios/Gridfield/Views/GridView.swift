// My grid: every address on this phone, searchable by text, plate serial or code;
// each opens the address page. Works entirely offline.
import GridfieldFFI
import SwiftUI

struct GridView: View {
    let repository: GridfieldRepository
    @State private var query = ""
    @State private var hits: [AddressHit] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                ForEach(hits, id: \.code) { hit in
                    NavigationLink(value: hit.code) {
                        VStack(alignment: .leading, spacing: 2) {
                            Text(hit.fullText)
                            if let serial = hit.plateSerial {
                                Text(serial).font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
            .overlay {
                if hits.isEmpty && error == nil {
                    Text("grid.empty").foregroundStyle(.secondary)
                }
            }
            .navigationTitle(Text("grid.title"))
            .navigationDestination(for: String.self) { code in
                AddressScreen(repository: repository, code: code)
            }
            .searchable(text: $query, prompt: Text("grid.search"))
            .task(id: query) {
                // Debounce typing; the search itself is local and fast.
                try? await Task.sleep(for: .milliseconds(200))
                guard !Task.isCancelled else { return }
                await search()
            }
            .refreshable { await search() }
        }
    }

    private func search() async {
        do {
            hits = try await repository.search(query.trimmingCharacters(in: .whitespaces))
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}
