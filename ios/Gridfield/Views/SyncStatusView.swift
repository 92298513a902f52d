// Sync status: what waits on this phone (changes, photos), what failed and why (the
// core's own sentence), and what the worker can do: sync now, connect to a network,
// allow Background App Refresh, or, for a phone found to be a copy, enter a new
// enrollment code (the re-enroll form). Also each record's way to the server and
// the progress of a running round.
import GridfieldFFI
import SwiftUI

struct SyncStatusView: View {
    let repository: GridfieldRepository
    @EnvironmentObject private var sync: SyncService
    @EnvironmentObject private var model: AppModel
    @Environment(\.openURL) private var openURL
    @State private var reenrollCode = ""
    @State private var reenrollError: String?
    @State private var reenrolling = false

    private var advice: SyncAdvice? {
        sync.diagnostics.map {
            SyncAdvice.from(
                diagnostics: $0, state: sync.state, online: sync.online,
                backgroundBlocked: SyncAdvice.backgroundBlocked, lang: Presentation.lang)
        }
    }

    var body: some View {
        NavigationStack {
            List {
                Section {
                    LabeledContent {
                        Text(String(sync.pending))
                    } label: {
                        Text("sync.pending")
                    }
                    if let diagnostics = sync.diagnostics {
                        LabeledContent {
                            Text(String(diagnostics.pendingPhotos))
                        } label: {
                            Text("sync.pending_photos")
                        }
                        LabeledContent {
                            Text(diagnostics.lastSuccess.map { Presentation.date($0) } ?? "—")
                        } label: {
                            Text("sync.last_success")
                        }
                    }
                }
                if let advice {
                    adviceSection(advice)
                }
                Section {
                    stateView
                    if sync.state.isRunning {
                        Button("sync.cancel", role: .destructive) { sync.cancel() }
                    } else {
                        Button("sync.now") { Task { await sync.syncNow() } }
                    }
                }
                if !sync.operations.isEmpty {
                    Section {
                        ForEach(sync.operations, id: \.opId) { op in
                            VStack(alignment: .leading, spacing: 2) {
                                HStack {
                                    Text(op.kind)
                                    Spacer()
                                    Text(Presentation.date(op.createdAt)).font(.caption)
                                }
                                if let lastError = op.lastError {
                                    Text(lastError).font(.caption).foregroundStyle(.orange)
                                }
                            }
                        }
                    } header: {
                        Text("sync.queue")
                    }
                }
                Section {
                    LabeledContent {
                        Text(Presentation.role(repository.identity.role))
                    } label: {
                        Text("sync.role")
                    }
                    LabeledContent {
                        Text(repository.identity.deviceId).font(.caption.monospaced())
                    } label: {
                        Text("sync.device")
                    }
                }
            }
            .navigationTitle(Text("sync.title"))
            .task { await sync.refresh() }
            .refreshable { await sync.refresh() }
        }
    }

    /// What happened, why (the core's sentence), and one control per thing to do.
    @ViewBuilder
    private func adviceSection(_ advice: SyncAdvice) -> some View {
        Section {
            if let problem = problemText(advice.problem) {
                Text(problem).font(.headline).foregroundStyle(.red)
            }
            if let why = advice.lastError {
                Text(String(format: String(localized: "sync.why"), why)).foregroundStyle(.red)
            }
            if let at = sync.diagnostics?.lastError?.at, advice.lastError != nil {
                Text(Presentation.date(at)).font(.caption).foregroundStyle(.secondary)
            }
            ForEach(advice.actions, id: \.self) { action in
                switch action {
                case .retryNow:
                    EmptyView() // the sync-now button below
                case .connectNetwork:
                    Text("sync.connect_network")
                case .allowBackground:
                    VStack(alignment: .leading, spacing: 4) {
                        Text("sync.background_blocked")
                        Button("sync.open_settings") {
                            if let url = URL(string: UIApplication.openSettingsURLString) { openURL(url) }
                        }
                    }
                case .askSupervisor:
                    Text("sync.ask_supervisor")
                case .updateApp:
                    Text("sync.update_app")
                case .reenroll:
                    reenrollForm
                }
            }
        }
    }

    private func problemText(_ problem: SyncProblem) -> LocalizedStringKey? {
        switch problem {
        case .none: return nil
        case .offline: return "sync.problem.offline"
        case .serverUnreachable: return "sync.problem.unreachable"
        case .cloned: return "sync.needs_reenroll"
        case .refused: return "sync.problem.refused"
        case .updateRequired: return "sync.problem.update"
        }
    }

    /// A new one-time code from the supervisor for the same person; nothing on the phone is lost.
    private var reenrollForm: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("sync.reenroll_hint").font(.callout)
            TextField("enroll.code", text: $reenrollCode)
                .textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
            if let reenrollError {
                Text(reenrollError).foregroundStyle(.red)
            }
            Button("sync.reenroll") {
                let code = reenrollCode.trimmingCharacters(in: .whitespacesAndNewlines)
                reenrolling = true
                Task {
                    do {
                        try await model.reenroll(code: code)
                        reenrollError = nil
                    } catch {
                        reenrollError = Presentation.message(error)
                    }
                    reenrolling = false
                }
            }
            .buttonStyle(.borderedProminent)
            .disabled(reenrolling || reenrollCode.trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }

    @ViewBuilder
    private var stateView: some View {
        switch sync.state {
        case .idle:
            Text("sync.idle").foregroundStyle(.secondary)
        case let .running(progress):
            if let progress, progress.total > 0 {
                ProgressView(value: Double(progress.done), total: Double(progress.total)) {
                    Text(Presentation.phase(progress.phase))
                }
            } else {
                ProgressView {
                    Text(progress.map { Presentation.phase($0.phase) } ?? String(localized: "sync.starting"))
                }
            }
        case let .succeeded(report):
            VStack(alignment: .leading, spacing: 4) {
                Text(String(format: String(localized: "sync.result"), Int(report.pushed), Int(report.pulled)))
                ForEach(report.rejected, id: \.entityId) { rejection in
                    Text(Presentation.lang == .en ? (rejection.reasonEn ?? rejection.reason) : rejection.reason)
                        .font(.caption)
                        .foregroundStyle(.red)
                }
            }
        case .cancelled:
            Text("sync.cancelled").foregroundStyle(.secondary)
        case let .failed(_, message, retryable):
            VStack(alignment: .leading, spacing: 4) {
                Text(message).foregroundStyle(.red)
                if retryable {
                    Text("sync.will_retry").font(.caption).foregroundStyle(.secondary)
                }
            }
        }
    }
}
