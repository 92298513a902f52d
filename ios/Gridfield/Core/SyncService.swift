// Sync as the sync screen and the system see it: one round at a time with progress
// as published state and cancel; a round whenever connectivity returns (NWPathMonitor)
// and in the background (BGTaskScheduler); retry with backoff while the network is
// the problem, and stop to tell the person when the server refuses.
import BackgroundTasks
import Foundation
import GridfieldFFI
import Network
import os

enum SyncState: Equatable {
    case idle
    case running(SyncProgress?)
    case succeeded(SyncReport)
    case cancelled
    case failed(code: String, message: String, retryable: Bool)

    var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}

/// Relays the core's progress (called on the sync thread) to the main actor.
final class SyncProgressRelay: SyncObserver, @unchecked Sendable {
    private let post: @Sendable (SyncProgress) -> Void

    init(post: @escaping @Sendable (SyncProgress) -> Void) {
        self.post = post
    }

    func onProgress(progress: SyncProgress) {
        post(progress)
    }
}

@MainActor
final class SyncService: ObservableObject {
    static let refreshTaskId = "cn.gridfield.sync.refresh"
    static let processingTaskId = "cn.gridfield.sync.processing"
    private static let log = Logger(subsystem: "cn.gridfield.app", category: "sync")

    @Published private(set) var state: SyncState = .idle
    @Published private(set) var pending: UInt64 = 0
    @Published private(set) var operations: [PendingOperation] = []
    @Published private(set) var diagnostics: Diagnostics?

    private let repository: GridfieldRepository
    /// Called when the server says this phone is revoked (its store is wiped by then).
    var onRevoked: (() -> Void)?
    private var running: CancelHandle?
    /// Shut down for a re-enrollment: never starts another round.
    private var stopped = false
    private var retryTask: Task<Void, Never>?
    private var retryDelay: Duration = .seconds(30)
    private let monitor = NWPathMonitor()
    /// Whether the phone has a usable network path now (the sync screen's advice).
    @Published private(set) var online = false

    init(repository: GridfieldRepository) {
        self.repository = repository
    }

    /// Watches connectivity: each time the path becomes usable, sync what waits.
    func startMonitoring() {
        monitor.pathUpdateHandler = { [weak self] path in
            let satisfied = path.status == .satisfied
            Task { @MainActor [weak self] in
                guard let self else { return }
                let cameBack = satisfied && !self.online
                self.online = satisfied
                if cameBack {
                    _ = await self.syncNow()
                }
            }
        }
        monitor.start(queue: DispatchQueue(label: "cn.gridfield.path"))
    }

    func stopMonitoring() {
        monitor.cancel()
    }

    /// This service's store is being replaced (re-enrollment): no more rounds from it.
    /// A path monitor cannot be restarted once cancelled, so a new service takes over.
    func shutDown() {
        stopped = true
        retryTask?.cancel()
        retryTask = nil
        onRevoked = nil
        running?.cancel()
        monitor.cancel()
    }

    func refresh() async {
        do {
            pending = try await repository.pendingCount()
            operations = try await repository.pendingOperations()
            diagnostics = try await repository.diagnostics()
        } catch {
            Self.log.error("sync status unavailable: \(String(describing: type(of: error)), privacy: .public)")
        }
    }

    /// Runs one round; while one runs, another request just returns its state.
    @discardableResult
    func syncNow(cancel: CancelHandle = CancelHandle()) async -> SyncState {
        guard running == nil, !stopped else { return state }
        running = cancel
        retryTask?.cancel()
        state = .running(nil)
        let relay = SyncProgressRelay { progress in
            Task { @MainActor [weak self] in
                guard let self, self.state.isRunning else { return }
                self.state = .running(progress)
            }
        }
        let result: SyncState
        do {
            let report = try await repository.sync(observer: relay, cancel: cancel)
            result = .succeeded(report)
            retryDelay = .seconds(30)
        } catch let error as GridfieldError {
            if case .Cancelled = error {
                result = .cancelled
            } else {
                // Codes only: reasons may quote server text, and logs leave the phone.
                Self.log.notice("sync failed: \(error.code, privacy: .public)")
                result = .failed(code: error.code, message: error.reason(Presentation.lang), retryable: error.isRetryable)
                if error.isRetryable { scheduleRetry() }
                if error.isRevoked {
                    running = nil
                    state = result
                    onRevoked?()
                    return result
                }
            }
        } catch {
            result = .failed(code: "unexpected", message: Presentation.message(error), retryable: false)
        }
        running = nil
        state = result
        await refresh()
        return result
    }

    /// Stops a running round between requests; nothing is lost.
    func cancel() {
        running?.cancel()
    }

    /// Backoff while the app is open: 30 s doubling to 15 min, reset by a success.
    private func scheduleRetry() {
        let delay = retryDelay
        retryDelay = min(retryDelay * 2, .seconds(15 * 60))
        retryTask = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.syncNow()
        }
    }
}

/// The system's background runs. Registered before launch finishes (the App's init);
/// each run reschedules the next, syncs once, and cancels when its time is up.
enum BackgroundSync {
    /// Registers both task kinds. `service` yields the app's sync service, opening
    /// the store if the process was launched just for this task (nil: not enrolled).
    static func register(service: @escaping @MainActor () async -> SyncService?) {
        for id in [SyncService.refreshTaskId, SyncService.processingTaskId] {
            BGTaskScheduler.shared.register(forTaskWithIdentifier: id, using: nil) { task in
                run(task, service: service)
            }
        }
    }

    /// Asks for the next runs; the system decides when, with a network either way.
    /// Each request is submitted on its own: one refused (Low Power Mode, Background
    /// App Refresh off, too many pending) never keeps the other from being asked for.
    static func schedule() {
        let refresh = BGAppRefreshTaskRequest(identifier: SyncService.refreshTaskId)
        refresh.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        let processing = BGProcessingTaskRequest(identifier: SyncService.processingTaskId)
        // The longer window is for photo uploads after a day offline.
        processing.requiresNetworkConnectivity = true
        processing.requiresExternalPower = false
        submit(refresh)
        submit(processing)
    }

    private static func submit(_ request: BGTaskRequest) {
        let log = Logger(subsystem: "cn.gridfield.app", category: "sync")
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulator and Low Power Mode refuse; foreground and path-triggered sync remain.
            let code = (error as NSError).code
            log.error(
                "background task \(request.identifier, privacy: .public) not scheduled: code \(code, privacy: .public), \(error.localizedDescription, privacy: .public)"
            )
        }
    }

    private static func run(_ task: BGTask, service: @escaping @MainActor () async -> SyncService?) {
        schedule()
        let cancel = CancelHandle()
        let work = Task { @MainActor in
            guard let sync = await service() else {
                task.setTaskCompleted(success: true)
                return
            }
            let result = await sync.syncNow(cancel: cancel)
            switch result {
            case .succeeded:
                task.setTaskCompleted(success: true)
            default:
                task.setTaskCompleted(success: false)
            }
        }
        task.expirationHandler = {
            cancel.cancel()
            work.cancel()
        }
    }
}
