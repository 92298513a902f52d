// What the sync screen tells the worker: the problem in one word the view turns into
// a sentence, and what the worker can do. The same decisions as the Android JVM
// layer's syncStatus() (android/jvm, tested there on the JDK against the real core),
// from the same diagnostics record and error codes.
import Foundation
import GridfieldFFI
import UIKit

enum SyncProblem: Equatable {
    case none
    /// No network on the phone.
    case offline
    /// Online, but the server was not reached or was busy.
    case serverUnreachable
    /// The server found this enrollment in use on another phone (a copied phone).
    case cloned
    /// The server refused something it will keep refusing: ask for help.
    case refused
    /// The app is older than the server or the store needs.
    case updateRequired
}

enum SyncAction: Hashable {
    case retryNow
    case connectNetwork
    /// Background App Refresh is off or Low Power Mode is on: the app's Settings page.
    case allowBackground
    case reenroll
    case askSupervisor
    case updateApp
}

struct SyncAdvice: Equatable {
    var problem: SyncProblem
    /// The last failure in the core's words (the user's language); nil after a success.
    var lastError: String?
    var actions: [SyncAction]

    private static let retryableCodes: Set<String> = ["network", "rate_limited", "server_error", "sync_in_progress"]
    private static let updateCodes: Set<String> = ["upgrade_required", "schema_too_new"]

    static func from(
        diagnostics: Diagnostics, state: SyncState, online: Bool, backgroundBlocked: Bool, lang: Lang
    ) -> SyncAdvice {
        let failure = diagnostics.lastError.flatMap { e -> SyncErrorInfo? in
            guard let ok = diagnostics.lastSuccess else { return e }
            return e.at > ok ? e : nil
        }
        var code = failure?.code
        var retryable: Bool?
        var message = failure.map { lang == .en ? $0.reasonEn : $0.reason }
        if case let .failed(c, m, r) = state {
            code = c
            retryable = r
            message = m
        }
        let problem: SyncProblem
        if diagnostics.needsReenroll || code == "device_cloned" {
            problem = .cloned
        } else if let code {
            if updateCodes.contains(code) {
                problem = .updateRequired
            } else if retryable == false {
                problem = .refused
            } else if !online {
                problem = .offline
            } else if retryableCodes.contains(code) || retryable == true {
                problem = .serverUnreachable
            } else {
                problem = .refused
            }
        } else {
            problem = !online && diagnostics.queueDepth > 0 ? .offline : .none
        }
        var actions: [SyncAction]
        switch problem {
        case .none: actions = [.retryNow]
        case .offline: actions = [.connectNetwork, .retryNow]
        case .serverUnreachable: actions = [.retryNow]
        case .cloned: actions = [.reenroll]
        case .refused: actions = [.askSupervisor, .retryNow]
        case .updateRequired: actions = [.updateApp]
        }
        if backgroundBlocked && problem != .cloned { actions.append(.allowBackground) }
        return SyncAdvice(problem: problem, lastError: message, actions: actions)
    }

    /// Background App Refresh off (by the user or a policy) or Low Power Mode on:
    /// the system will not run the app's background sync.
    @MainActor static var backgroundBlocked: Bool {
        UIApplication.shared.backgroundRefreshStatus != .available || ProcessInfo.processInfo.isLowPowerModeEnabled
    }
}
