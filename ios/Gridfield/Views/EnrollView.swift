// First start: the server address and the one-time code from the supervisor. Enrolling
// creates the encrypted store with the identity (user, role, grid) the server assigns.
import GridfieldFFI
import SwiftUI

struct EnrollView: View {
    @EnvironmentObject private var model: AppModel
    @State private var serverUrl = "https://"
    @State private var code = ""
    @State private var busy = false
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("enroll.server", text: $serverUrl)
                        .keyboardType(.URL)
                        .textContentType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    TextField("enroll.code", text: $code)
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                } header: {
                    if model.revoked {
                        Text("enroll.revoked").foregroundStyle(.red)
                    }
                } footer: {
                    Text("enroll.hint")
                }
                if let error {
                    Section {
                        Text(error).foregroundStyle(.red)
                    }
                }
                Section {
                    Button {
                        Task { await enroll() }
                    } label: {
                        HStack {
                            Text("enroll.submit")
                            if busy {
                                Spacer()
                                ProgressView()
                            }
                        }
                    }
                    .disabled(busy || code.trimmingCharacters(in: .whitespaces).isEmpty || URL(string: serverUrl)?.host == nil)
                }
            }
            .navigationTitle(Text("enroll.title"))
        }
    }

    private func enroll() async {
        busy = true
        error = nil
        defer { busy = false }
        do {
            try await model.enroll(
                serverUrl: serverUrl.trimmingCharacters(in: .whitespaces),
                code: code.trimmingCharacters(in: .whitespaces))
        } catch {
            self.error = Presentation.message(error)
        }
    }
}
