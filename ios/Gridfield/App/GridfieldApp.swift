// Entry point: registers the background sync tasks before launch completes (the
// system requires it), then shows enrollment or the role's tabs.
import GridfieldFFI
import SwiftUI

@main
struct GridfieldApp: App {
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    init() {
        BackgroundSync.register { await AppModel.shared.openIfEnrolled() }
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .task { await model.start() }
        }
        .onChange(of: scenePhase) { phase in
            if phase == .background {
                BackgroundSync.schedule()
            }
        }
    }
}

/// Chooses between loading, enrollment, a fatal message and the main tabs.
struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        switch model.phase {
        case .loading:
            ProgressView("app.loading")
        case .enroll:
            EnrollView()
        case let .failed(message):
            VStack(spacing: 16) {
                Image(systemName: "exclamationmark.triangle").font(.largeTitle).foregroundStyle(.orange)
                Text(message).multilineTextAlignment(.center)
                Button("action.retry") { Task { await model.retry() } }
                    .buttonStyle(.borderedProminent)
            }
            .padding()
        case let .ready(repository, sync):
            MainTabs(repository: repository)
                .environmentObject(sync)
        }
    }
}

/// Role-aware tabs: a volunteer scans, reports and sees points, never personal data;
/// grid workers and supervisors get their grid, hazards and the scanner.
struct MainTabs: View {
    let repository: GridfieldRepository

    var body: some View {
        TabView {
            if repository.identity.role == .volunteer {
                PlateScanView(repository: repository)
                    .tabItem { Label("tab.scan", systemImage: "qrcode.viewfinder") }
                ReportView(repository: repository)
                    .tabItem { Label("tab.reports", systemImage: "star.bubble") }
            } else {
                GridView(repository: repository)
                    .tabItem { Label("tab.grid", systemImage: "map") }
                PlateScanView(repository: repository)
                    .tabItem { Label("tab.scan", systemImage: "qrcode.viewfinder") }
                HazardsView(repository: repository)
                    .tabItem { Label("tab.hazards", systemImage: "exclamationmark.triangle") }
                CasesView(repository: repository)
                    .tabItem { Label(String(localized: "tab.cases", table: "Cases"), systemImage: "person.2.wave.2") }
            }
            SyncStatusView(repository: repository)
                .tabItem { Label("tab.sync", systemImage: "arrow.triangle.2.circlepath") }
        }
    }
}
