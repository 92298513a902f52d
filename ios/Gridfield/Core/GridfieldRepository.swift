// The app's single door to the Rust core: opens or enrolls the encrypted store and
// exposes every device operation as an async call: the quick local ones run the
// blocking FFI off the main thread, the network ones (sync, photo, enroll) are
// `async` in the bindings themselves (the core's own runtime). Screens talk to
// this, never to the generated bindings directly.
import Foundation
import GridfieldFFI

/// The verdict on a scanned door plate (数字门牌), as the scan screen shows it.
enum PlateVerdict: Sendable {
    /// Genuine and in this device's grid: open the address page.
    case genuine(scan: PlateScan, address: GridfieldFFI.AddressView)
    /// Genuine, but outside this device's scope or not on the phone: show what it says.
    case genuineElsewhere(scan: PlateScan)
    /// Forged, altered or from an unknown issuer: flag it on the spot.
    case forged(code: String, reason: String, claimedAddress: String?)
    /// A plate installed before Gridfield that the city mapped: the address, unverified
    /// (未签名的旧门牌); `address` when it is in this device's grid. Never genuine.
    case legacy(scan: PlateScan, address: GridfieldFFI.AddressView?)
}

final class GridfieldRepository: Sendable {
    let store: GridfieldStore
    let identity: DeviceIdentity

    /// Blocking core calls run here, not on the cooperative pool: Swift concurrency
    /// has one thread per core and a sync holding one for a minute would starve it.
    private static let queue = DispatchQueue(
        label: "cn.gridfield.core", qos: .userInitiated, attributes: .concurrent)

    private init(store: GridfieldStore) {
        self.store = store
        self.identity = store.identity()
    }

    static func io<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result(catching: body))
            }
        }
    }

    static func exists(dataDir: URL) async -> Bool {
        (try? await io { storeExists(dataDir: dataDir.path) }) ?? false
    }

    /// The store here was wiped because an administrator revoked this phone.
    static func wasRevoked(dataDir: URL) async -> Bool {
        (try? await io { storeRevoked(dataDir: dataDir.path) }) ?? false
    }

    /// Opens the store already on this phone.
    static func open(dataDir: URL, key: Data) async throws -> GridfieldRepository {
        try await io { GridfieldRepository(store: try GridfieldStore.open(dataDir: dataDir.path, key: key)) }
    }

    /// First start: enroll with the one-time code from the supervisor (network,
    /// async in the core; once sent it completes even if the task is cancelled).
    static func enroll(
        dataDir: URL, key: Data, serverUrl: String, code: String, deviceName: String
    ) async throws -> GridfieldRepository {
        let store = try await GridfieldFFI.enroll(
            dataDir: dataDir.path, key: key, serverUrl: serverUrl, code: code, deviceName: deviceName)
        return GridfieldRepository(store: store)
    }

    /// The server found this phone's enrollment in use by another installation (a
    /// copied phone): enroll again with a new code for the same user, keeping
    /// everything recorded and queued. Drop the old repository first.
    static func reenroll(
        dataDir: URL, key: Data, code: String, deviceName: String
    ) async throws -> GridfieldRepository {
        let store = try await GridfieldFFI.reenroll(
            dataDir: dataDir.path, key: key, code: code, deviceName: deviceName)
        return GridfieldRepository(store: store)
    }

    private func io<T: Sendable>(_ body: @escaping @Sendable (GridfieldStore) throws -> T) async throws -> T {
        let store = self.store
        return try await Self.io { try body(store) }
    }

    func setLang(_ lang: Lang) async throws { try await io { try $0.setLang(lang: lang) } }

    // MARK: my grid, plates, addresses

    func search(_ query: String, limit: UInt32 = 100) async throws -> [AddressHit] {
        try await io { try $0.searchAddresses(query: query, limit: limit) }
    }

    /// Everything at an address; ID numbers and phones come masked (`EntityField.masked`).
    func address(_ code: String) async throws -> GridfieldFFI.AddressView {
        try await io { try $0.addressView(code: code) }
    }

    /// One masked value in full, after the user asked; the core writes an audit row.
    func revealField(kind: EntityKind, id: String, field: String) async throws -> String? {
        try await io { try $0.revealField(kind: kind, id: id, field: field) }
    }

    func scanPlate(_ qrText: String) async throws -> PlateVerdict {
        try await io { store in
            // The core decides the verdict; the shell only maps it to its screens.
            let scan = try store.scanPlate(qrText: qrText)
            switch scan.verdict {
            case .forged:
                return .forged(
                    code: scan.rejectionCode ?? "plate_invalid",
                    reason: scan.verdictText,
                    claimedAddress: scan.plate?.addressText)
            case .genuine:
                if let address = scan.address {
                    return .genuine(scan: scan, address: address)
                }
                return .genuineElsewhere(scan: scan)
            case .genuineOutsideScope:
                return .genuineElsewhere(scan: scan)
            case .legacy:
                return .legacy(scan: scan, address: scan.address)
            }
        }
    }

    // MARK: checklists and inspections

    /// Every version held, retired ones included: what history screens read.
    func templates() async throws -> [ChecklistTemplate] { try await io { try $0.templates() } }

    /// The picker at an address: the newest version of each checklist that may still
    /// start and fits the address or one of its entities (business kinds included).
    func templatesAt(_ addressCode: String) async throws -> [ChecklistTemplate] {
        try await io { try $0.templatesAt(addressCode: addressCode) }
    }

    func template(_ id: String, version: UInt32?) async throws -> ChecklistTemplate {
        try await io { try $0.template(id: id, version: version) }
    }

    func inspection(_ id: String) async throws -> Inspection { try await io { try $0.inspection(id: id) } }

    func inspections(_ status: ReviewStatus? = nil) async throws -> [InspectionSummary] {
        try await io { try $0.inspections(status: status) }
    }

    // MARK: hazards

    func hazards(_ filter: HazardFilter) async throws -> [Hazard] { try await io { try $0.hazards(filter: filter) } }

    func hazard(_ id: String) async throws -> HazardDetail { try await io { try $0.hazard(id: id) } }

    /// A new hazard, at the phone's last known fix unless it brings one.
    func createHazard(_ new: NewHazard) async throws -> String {
        var located = new
        if located.location == nil { located.location = LastKnownLocation.shared.current }
        let hazard = located
        return try await io { store in try store.createHazard(new: hazard) }
    }

    func hazardStep(_ id: String, action: HazardAction, input: StepInput) async throws -> HazardStatus {
        try await io { try $0.hazardStep(hazardId: id, action: action, input: input) }
    }

    // MARK: photos

    func addPhoto(_ bytes: Data) async throws -> PhotoRef { try await io { try $0.addPhoto(bytes: bytes) } }

    /// From the phone, or downloaded once (a supervisor's photo); cancelled with the
    /// task (Swift does not drop the core's future by itself: the handle tells it).
    func photo(_ hash: String) async throws -> Data {
        let cancel = CancelHandle()
        let store = self.store
        return try await withTaskCancellationHandler {
            try await store.photo(hash: hash, cancel: cancel)
        } onCancel: {
            cancel.cancel()
        }
    }

    // MARK: volunteer reports and points

    /// Files a report, at the phone's last known fix unless it brings one.
    func fileReport(_ report: NewReport) async throws -> String {
        var located = report
        if located.location == nil { located.location = LastKnownLocation.shared.current }
        let filed = located
        return try await io { store in try store.fileReport(new: filed) }
    }

    /// The categories a report may carry: the synced case taxonomy's active entries.
    func reportCategories() async throws -> [CaseType] { try await io { try $0.reportCategories() } }

    func reports() async throws -> [Report] { try await io { try $0.reports() } }

    func points() async throws -> Int64 { try await io { try $0.points() } }

    /// Balance the server confirmed, what may still be spent, the ledger and issued vouchers.
    func pointsSummary() async throws -> PointsSummary { try await io { try $0.pointsSummary() } }

    /// A voucher issued offline; the core refuses more than may still be spent.
    func issueVoucher(amount: Int64, shop: String?, days: UInt32) async throws -> IssuedVoucher {
        let shop = shop?.trimmingCharacters(in: .whitespaces)
        return try await io { try $0.issueVoucher(amount: amount, shop: (shop?.isEmpty ?? true) ? nil : shop, days: days) }
    }

    /// Named or anonymous (匿名志愿者) on the grid's leaderboard, from the next sync.
    func setLeaderboardOptOut(_ out: Bool) async throws { try await io { try $0.setLeaderboardOptOut(out: out) } }

    /// The modules of a voucher token's QR code, drawn by `QrCodeView`.
    func qrCode(_ text: String) -> QrMatrix? { qrMatrix(text: text) }

    // MARK: sync status

    func pendingCount() async throws -> UInt64 { try await io { try $0.pendingCount() } }

    func pendingOperations(limit: UInt32 = 200) async throws -> [PendingOperation] {
        try await io { try $0.pendingOperations(limit: limit) }
    }

    func diagnostics() async throws -> Diagnostics { try await io { try $0.diagnostics() } }

    /// One sync round, async in the core (its own runtime, no thread held here).
    /// Cancelling the task stops the round at once, also mid-request, losing nothing.
    func sync(observer: SyncObserver, cancel: CancelHandle) async throws -> SyncReport {
        let store = self.store
        return try await withTaskCancellationHandler {
            try await store.sync(observer: observer, cancel: cancel)
        } onCancel: {
            cancel.cancel()
        }
    }
}
