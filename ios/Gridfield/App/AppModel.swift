// The app's state at the top: whether this phone is enrolled, the open store, and the
// sync service built on it. Opening, enrolling and every core call run off the main
// actor (through GridfieldRepository); this object only publishes their results.
import Foundation
import GridfieldFFI
import UIKit

@MainActor
final class AppModel: ObservableObject {
    enum Phase {
        case loading
        case enroll
        case ready(GridfieldRepository, SyncService)
        case failed(String)
    }

    /// One per process: the SwiftUI scene and background tasks share the open store.
    static let shared = AppModel()

    @Published private(set) var phase: Phase = .loading
    /// The store was wiped because an administrator revoked this phone.
    @Published private(set) var revoked = false
    private let keys = KeychainKeyProvider()
    private var opening: Task<SyncService?, Never>?

    let dataDir: URL = {
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return base.appendingPathComponent("Gridfield", isDirectory: true)
    }()

    var repository: GridfieldRepository? {
        if case let .ready(repository, _) = phase { return repository }
        return nil
    }

    /// Opens the store if this phone is enrolled; the enroll screen otherwise.
    func start() async {
        _ = await openIfEnrolled()
    }

    /// Used by the UI and by background tasks launched before any scene exists.
    func openIfEnrolled() async -> SyncService? {
        if case let .ready(_, sync) = phase { return sync }
        if let opening { return await opening.value }
        let task = Task { await self.open() }
        opening = task
        let sync = await task.value
        opening = nil
        return sync
    }

    private func open() async -> SyncService? {
        do {
            try prepareDataDir()
            guard await GridfieldRepository.exists(dataDir: dataDir) else {
                revoked = await GridfieldRepository.wasRevoked(dataDir: dataDir)
                phase = .enroll
                return nil
            }
            let key = try keys.existingKey()
            let repository = try await GridfieldRepository.open(dataDir: dataDir, key: key)
            return await ready(repository)
        } catch {
            // A transient failure (Keychain locked after reboot) must not look like
            // "not enrolled": that screen would invite enrolling over real data.
            phase = .failed(Presentation.message(error))
            return nil
        }
    }

    /// Enrolls with the supervisor's one-time code; throws for the form to show.
    func enroll(serverUrl: String, code: String) async throws {
        try prepareDataDir()
        let key = try keys.keyForNewStore()
        let repository = try await GridfieldRepository.enroll(
            dataDir: dataDir, key: key, serverUrl: serverUrl, code: code, deviceName: UIDevice.current.model)
        _ = await ready(repository)
    }

    /// The server found this enrollment in use on another phone (a copy): enroll this
    /// store again with a new code from the supervisor, for the same person, keeping
    /// everything recorded and queued. Throws for the form; a refused code changes nothing.
    func reenroll(code: String) async throws {
        guard case let .ready(oldRepository, oldSync) = phase else { return }
        let key = try keys.existingKey()
        // The old handle's identity is stale: nothing may sync through it any more.
        oldSync.shutDown()
        do {
            let repository = try await GridfieldRepository.reenroll(
                dataDir: dataDir, key: key, code: code, deviceName: UIDevice.current.model)
            _ = await ready(repository)
        } catch {
            // Still the old enrollment: carry on with it and let the form say why.
            _ = await ready(oldRepository)
            throw error
        }
    }

    func retry() async {
        phase = .loading
        await start()
    }

    private func ready(_ repository: GridfieldRepository) async -> SyncService {
        try? await repository.setLang(Presentation.lang)
        let sync = SyncService(repository: repository)
        sync.onRevoked = { [weak self] in self?.forgetRevoked() }
        revoked = false
        phase = .ready(repository, sync)
        sync.startMonitoring()
        await sync.refresh()
        BackgroundSync.schedule()
        return sync
    }

    /// The server revoked this phone and the core wiped its store: back to the
    /// enroll screen, which says why.
    func forgetRevoked() {
        revoked = true
        phase = .enroll
    }

    private func prepareDataDir() throws {
        var dir = dataDir
        // Readable after first unlock (background sync), and kept out of backups: the
        // key is device-only, so a restored copy could never be opened anyway.
        try FileManager.default.createDirectory(
            at: dir, withIntermediateDirectories: true,
            attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
    }
}
