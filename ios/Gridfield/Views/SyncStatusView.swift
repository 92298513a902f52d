// Sync status: how much waits on this phone, each record's way to the server, the
// last error in words, progress of a running round, and sync now / cancel.
import GridfieldFFI
import SwiftUI

struct SyncStatusView: View {
    let repository: GridfieldRepository
    @EnvironmentObject private var sync: SyncService

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
                        if diagnostics.needsReenroll {
                            Text("sync.needs_reenroll").foregroundStyle(.red)
                        }
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
                        if let last = diagnostics.lastError {
                            VStack(alignment: .leading) {
                                Text("sync.last_error").font(.caption)
                                Text(Presentation.lang == .en ? last.reasonEn : last.reason).foregroundStyle(.red)
                                Text(Presentation.date(last.at)).font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
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
