// The app's single door to the Rust core: opens or enrolls the encrypted store with
// the key from the platform keystore, and exposes every device operation as a
// suspend function that runs off the UI thread. Screens talk to this, never to
// the generated bindings directly, so the FFI stays in one place.
package cn.gridfield.data

import cn.gridfield.ffi.AddressHit
import cn.gridfield.ffi.AddressView
import cn.gridfield.ffi.Case
import cn.gridfield.ffi.CaseAction
import cn.gridfield.ffi.CaseDetail
import cn.gridfield.ffi.CaseFilter
import cn.gridfield.ffi.CaseStepInput
import cn.gridfield.ffi.CaseType
import cn.gridfield.ffi.ChecklistTemplate
import cn.gridfield.ffi.DeviceIdentity
import cn.gridfield.ffi.Diagnostics
import cn.gridfield.ffi.DueVisit
import cn.gridfield.ffi.EntityKind
import cn.gridfield.ffi.GeoPoint
import cn.gridfield.ffi.GridfieldStore
import cn.gridfield.ffi.Hazard
import cn.gridfield.ffi.HazardAction
import cn.gridfield.ffi.HazardDetail
import cn.gridfield.ffi.HazardFilter
import cn.gridfield.ffi.PlateVerdictKind
import cn.gridfield.ffi.HazardStatus
import cn.gridfield.ffi.Inspection
import cn.gridfield.ffi.InspectionSummary
import cn.gridfield.ffi.IssuedVoucher
import cn.gridfield.ffi.Lang
import cn.gridfield.ffi.NewCase
import cn.gridfield.ffi.NewHazard
import cn.gridfield.ffi.NewReport
import cn.gridfield.ffi.PendingOperation
import cn.gridfield.ffi.PhotoRef
import cn.gridfield.ffi.PlateScan
import cn.gridfield.ffi.PointsSummary
import cn.gridfield.ffi.QrMatrix
import cn.gridfield.ffi.Report
import cn.gridfield.ffi.ReviewStatus
import cn.gridfield.ffi.StepInput
import cn.gridfield.ffi.VisitWindow
import cn.gridfield.ffi.VoucherCheck
import cn.gridfield.ffi.CancelHandle
import cn.gridfield.ffi.enroll as ffiEnroll
import cn.gridfield.ffi.qrMatrix
import cn.gridfield.ffi.reenroll as ffiReenroll
import cn.gridfield.ffi.storeExists
import cn.gridfield.ffi.storeRevoked

/** Supplies the 32-byte database key, sealed by the Android Keystore / iOS Keychain. */
interface DatabaseKeyProvider {
    /** The key for this install, created on first use. */
    fun databaseKey(): ByteArray
}

/** The verdict on a scanned door plate, as a screen shows it. */
sealed class PlateVerdict {
    /** Genuine and in this device's grid: open the address page. */
    data class Genuine(val scan: PlateScan, val address: AddressView) : PlateVerdict()

    /** Genuine, but outside this device's scope or not on the phone: show what it says. */
    data class GenuineElsewhere(val scan: PlateScan) : PlateVerdict()

    /** Forged, altered or from an unknown issuer: flag it on the spot. */
    data class Forged(val code: String, val reason: String, val claimedAddress: String?) : PlateVerdict()

    /** A plate installed before Gridfield that the city mapped: the address, unverified
     *  (未签名的旧门牌); [address] when it is in this device's grid. Never genuine. */
    data class Legacy(val scan: PlateScan, val address: AddressView?) : PlateVerdict()
}

class GridfieldRepository private constructor(
    val store: GridfieldStore,
    private val bg: Background,
) : AutoCloseable {

    companion object {
        fun exists(dataDir: String): Boolean = storeExists(dataDir)

        /** The store here was wiped because an administrator revoked this phone. */
        fun wasRevoked(dataDir: String): Boolean = storeRevoked(dataDir)

        /** Opens the store already on this phone. */
        suspend fun open(dataDir: String, keys: DatabaseKeyProvider, bg: Background): GridfieldRepository =
            bg.io { GridfieldRepository(GridfieldStore.open(dataDir, keys.databaseKey()), bg) }

        /** Over a store opened elsewhere (the background worker shares the app's). */
        fun fromStore(store: GridfieldStore, bg: Background): GridfieldRepository = GridfieldRepository(store, bg)

        /** First start: enroll with the code from the supervisor, creating the store (async in the core). */
        suspend fun enroll(
            dataDir: String,
            keys: DatabaseKeyProvider,
            bg: Background,
            serverUrl: String,
            code: String,
            deviceName: String,
        ): GridfieldRepository {
            val key = bg.io { keys.databaseKey() }
            return GridfieldRepository(ffiEnroll(dataDir, key, serverUrl, code, deviceName), bg)
        }

        /**
         * The server found this phone's enrollment in use by another installation
         * (a copied phone): enroll again with a new code for the same user, keeping
         * everything recorded and queued. Close the old repository first.
         */
        suspend fun reenroll(
            dataDir: String,
            keys: DatabaseKeyProvider,
            bg: Background,
            code: String,
            deviceName: String,
        ): GridfieldRepository {
            val key = bg.io { keys.databaseKey() }
            return GridfieldRepository(ffiReenroll(dataDir, key, code, deviceName), bg)
        }
    }

    val identity: DeviceIdentity by lazy { store.identity() }

    /**
     * Asked for the phone's last known fix at every submit (inspection, hazard, report,
     * case) that does not bring its own; the platform sets it once the store is open.
     */
    @Volatile
    var locationSource: LocationSource = LocationSource.NONE

    suspend fun setLang(lang: Lang) = bg.io { store.setLang(lang) }
    suspend fun lang(): Lang = bg.io { store.lang() }

    // ---- my grid, plates, addresses ----

    suspend fun search(query: String, limit: Int = 50): List<AddressHit> =
        bg.io { store.searchAddresses(query, limit.toUInt()) }

    /** Everything at an address; ID numbers and phones come masked (`EntityField.masked`). */
    suspend fun address(code: String): AddressView = bg.io { store.addressView(code) }

    /** One masked value in full, after the user asked; the core writes an audit row. */
    suspend fun revealField(kind: EntityKind, id: String, field: String): String? =
        bg.io { store.revealField(kind, id, field) }

    suspend fun scanPlate(qrText: String): PlateVerdict = bg.io {
        // The core decides the verdict; the shell only maps it to its screens.
        val scan = store.scanPlate(qrText)
        val address = scan.address
        when (scan.verdict) {
            PlateVerdictKind.FORGED -> PlateVerdict.Forged(
                scan.rejectionCode ?: "plate_invalid",
                scan.verdictText,
                scan.plate?.addressText,
            )
            PlateVerdictKind.GENUINE ->
                if (address != null) PlateVerdict.Genuine(scan, address) else PlateVerdict.GenuineElsewhere(scan)
            PlateVerdictKind.GENUINE_OUTSIDE_SCOPE -> PlateVerdict.GenuineElsewhere(scan)
            PlateVerdictKind.LEGACY -> PlateVerdict.Legacy(scan, address)
        }
    }

    // ---- checklists ----

    /** Every version held, retired ones included: what history screens read. */
    suspend fun templates(): List<ChecklistTemplate> = bg.io { store.templates() }

    /**
     * The template picker at [addressCode]: the newest version of each checklist that
     * may still start (not retired) and fits the address or one of its entities
     * (business kinds included), as the core decides.
     */
    suspend fun templatesAt(addressCode: String): List<ChecklistTemplate> = bg.io { store.templatesAt(addressCode) }

    /**
     * Starts a checklist at [addressCode], about one entity there when a planned
     * visit opened it; the runner saves answers as they come.
     */
    suspend fun startChecklist(
        templateId: String,
        addressCode: String,
        subjectKind: EntityKind? = null,
        subjectId: String? = null,
    ): ChecklistRunner {
        val template = bg.io { store.template(templateId, null) }
        return ChecklistRunner.start(store, bg, template, addressCode, subjectKind, subjectId, locationSource)
    }

    // ---- visit plan (走访计划) ----

    /** The visits due in [window], in walking order, computed offline. */
    suspend fun visitsDue(window: VisitWindow = VisitWindow.TODAY): List<DueVisit> = bg.io { store.visitsDue(window) }

    /** Every visit planned at a scanned address, whenever due. */
    suspend fun visitsAt(addressCode: String): List<DueVisit> = bg.io { store.visitsAt(addressCode) }

    /**
     * Opens the checklist a screen was asked for without ever making a second draft:
     * the draft [draftId] if the screen kept one (SavedStateHandle) and it is still a
     * draft, else this template's draft already at [addressCode] (the id was lost
     * with the process), else a new one. The caller keeps `runner.inspectionId`.
     */
    suspend fun openChecklist(templateId: String, addressCode: String, draftId: String?): ChecklistRunner {
        val existing = bg.io {
            val drafts = store.inspections(ReviewStatus.DRAFT)
            drafts.firstOrNull { it.id == draftId }
                ?: drafts.filter { it.templateId == templateId && it.addressCode == addressCode }.maxByOrNull { it.startedAt }
        }
        return if (existing != null) resumeChecklist(existing.id) else startChecklist(templateId, addressCode)
    }

    /** Continues a draft, or corrects an inspection the supervisor returned. */
    suspend fun resumeChecklist(inspectionId: String): ChecklistRunner {
        val (inspection, template) = bg.io {
            val i = store.inspection(inspectionId)
            i to store.template(i.summary.templateId, i.summary.templateVersion)
        }
        return ChecklistRunner.resume(store, bg, template, inspection, locationSource)
    }

    suspend fun inspections(status: ReviewStatus? = null): List<InspectionSummary> =
        bg.io { store.inspections(status) }

    suspend fun inspection(id: String): Inspection = bg.io { store.inspection(id) }

    suspend fun reviewInspection(id: String, approve: Boolean, comment: String?) =
        bg.io { store.reviewInspection(id, approve, comment) }

    // ---- hazards ----

    suspend fun hazards(filter: HazardFilter = HazardFilter(null, false, false, null, null)): List<Hazard> =
        bg.io { store.hazards(filter) }

    suspend fun overdueHazards(): List<Hazard> =
        hazards(HazardFilter(status = null, overdueOnly = true, openOnly = true, addressCode = null, limit = null))

    suspend fun hazard(id: String): HazardDetail = bg.io { store.hazard(id) }

    /** A new hazard, at the phone's last known fix unless [new] brings one. */
    suspend fun reportHazard(new: NewHazard): String =
        bg.io { store.createHazard(if (new.location == null) new.copy(location = locationSource.lastKnown()) else new) }

    suspend fun hazardStep(
        id: String,
        action: HazardAction,
        note: String? = null,
        assignee: String? = null,
        deadlineMs: Long? = null,
        photos: List<String> = emptyList(),
    ): HazardStatus = bg.io { store.hazardStep(id, action, StepInput(assignee, deadlineMs, note, photos)) }

    // ---- cases (事件) ----

    suspend fun caseTypes(): List<CaseType> = bg.io { store.caseTypes() }

    /** Cases dispatched to this user (or their department), the nearest deadline first. */
    suspend fun myCases(): List<Case> = bg.io { store.cases(CaseFilter(mine = true, overdue = false)) }

    suspend fun cases(filter: CaseFilter = CaseFilter(mine = false, overdue = false)): List<Case> =
        bg.io { store.cases(filter) }

    /** A case with its timeline and the steps this user may take now. */
    suspend fun case(id: String): CaseDetail = bg.io { store.case(id) }

    /** A new case, at the phone's last known fix unless [new] brings one. */
    suspend fun recordCase(new: NewCase): String =
        bg.io { store.createCase(if (new.location == null) new.copy(location = locationSource.lastKnown()) else new) }

    /** One step; a refusal comes as a [GridfieldException] with its Chinese reason. */
    suspend fun caseStep(id: String, action: CaseAction, input: CaseStepInput = CaseStepInput()): Case =
        bg.io { store.caseStep(id, action, input) }

    // ---- photos ----

    suspend fun addPhoto(bytes: ByteArray): PhotoRef = bg.io { store.addPhoto(bytes) }

    /**
     * From the phone, or downloaded once (a supervisor's photo). Async in the core:
     * cancelling the calling coroutine (the screen closed) stops the download.
     */
    suspend fun photo(hash: String, cancel: CancelHandle = CancelHandle()): ByteArray =
        cancel.use { store.photo(hash, it) }

    // ---- volunteer ----

    /**
     * [category]: one of [reportCategories]' codes, or null. [location]: the phone's
     * last known fix (with accuracy and time) by default; never waited for.
     */
    suspend fun fileReport(
        addressCode: String,
        text: String,
        photos: List<String>,
        addressText: String? = null,
        category: String? = null,
        location: GeoPoint? = locationSource.lastKnown(),
    ): String = bg.io { store.fileReport(NewReport(addressCode, addressText, text, photos, location, category)) }

    /** The categories a report may carry: the synced case taxonomy's active entries. */
    suspend fun reportCategories(): List<CaseType> = bg.io { store.reportCategories() }

    suspend fun reports(): List<Report> = bg.io { store.reports() }

    suspend fun points(): Long = bg.io { store.points() }

    // ---- points (积分) and vouchers (代金券), offline from the last sync ----

    /** Balance the server confirmed, what may still be spent, the ledger and issued vouchers. */
    suspend fun pointsSummary(): PointsSummary = bg.io { store.pointsSummary() }

    /**
     * Issues a voucher offline for [amount] points at [shop] (null: any shop), valid
     * [days]; refused (with the core's reason) beyond what may still be spent.
     */
    suspend fun issueVoucher(amount: Long, shop: String?, days: Int): IssuedVoucher =
        bg.io { store.issueVoucher(amount, shop?.trim()?.ifEmpty { null }, days.coerceIn(1, 365).toUInt()) }

    /** A shop's offline check with the issuer keys this phone trusts. */
    suspend fun verifyVoucher(payload: String, shop: String? = null): VoucherCheck =
        bg.io { store.verifyVoucher(payload, shop) }

    /** Keep this volunteer's name off the leaderboard (sent at the next sync). */
    suspend fun setLeaderboardOptOut(out: Boolean) = bg.io { store.setLeaderboardOptOut(out) }

    /** The modules of [text]'s QR code (a voucher's token), for a screen to draw. */
    fun qrCode(text: String): QrMatrix? = qrMatrix(text)

    // ---- sync status ----

    suspend fun pendingCount(): Long = bg.io { store.pendingCount().toLong() }

    suspend fun pendingOperations(limit: Int = 200): List<PendingOperation> =
        bg.io { store.pendingOperations(limit.toUInt()) }

    suspend fun diagnostics(): Diagnostics = bg.io { store.diagnostics() }

    /** A sync controller bound to this store (one per app). */
    fun syncController(): SyncController = SyncController(store, bg)

    override fun close() = store.close()
}
