// How core values become text on screen: the language the app is shown in, the
// core's own labels and reasons in that language, dates from epoch milliseconds, and
// a readable message for any error. Never a stack trace, never personal data.
import Foundation
import GridfieldFFI
import SwiftUI

enum Presentation {
    /// The language the app's own strings resolved to; the core's labels follow it.
    static var lang: Lang {
        let preferred = Bundle.main.preferredLocalizations.first ?? "zh-Hans"
        return preferred.hasPrefix("en") ? .en : .zh
    }

    static func text(_ t: LocalizedText) -> String {
        lang == .en && !t.en.isEmpty ? t.en : t.zh
    }

    static func status(_ s: HazardStatus) -> String { hazardStatusLabel(status: s, lang: lang) }
    static func action(_ a: HazardAction) -> String { hazardActionLabel(action: a, lang: lang) }
    static func severity(_ s: Severity) -> String { severityLabel(severity: s, lang: lang) }
    static func review(_ s: ReviewStatus) -> String { reviewStatusLabel(status: s, lang: lang) }
    static func role(_ r: Role) -> String { roleLabel(role: r, lang: lang) }

    static func date(_ millis: Int64, time: Bool = true) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
        return date.formatted(date: .abbreviated, time: time ? .shortened : .omitted)
    }

    static func delivery(_ d: Delivery) -> String {
        switch d {
        case .local: return String(localized: "delivery.local")
        case .server: return String(localized: "delivery.server")
        case .reviewed: return String(localized: "delivery.reviewed")
        case .rejected: return String(localized: "delivery.rejected")
        }
    }

    static func reportStatus(_ s: ReportStatus) -> String {
        switch s {
        case .pending: return String(localized: "report.status.pending")
        case .accepted: return String(localized: "report.status.accepted")
        case .dismissed: return String(localized: "report.status.dismissed")
        }
    }

    static func entityKind(_ k: EntityKind) -> String {
        switch k {
        case .household: return String(localized: "entity.household")
        case .person: return String(localized: "entity.person")
        case .rentalUnit: return String(localized: "entity.rental_unit")
        case .business: return String(localized: "entity.business")
        }
    }

    static func phase(_ p: SyncPhase) -> String {
        switch p {
        case .photos: return String(localized: "sync.phase.photos")
        case .push: return String(localized: "sync.phase.push")
        case .pull: return String(localized: "sync.phase.pull")
        case .done: return String(localized: "sync.phase.done")
        }
    }

    /// Whatever a call threw, as a message for a person.
    static func message(_ error: Error) -> String {
        switch error {
        case let core as GridfieldError:
            return core.reason(lang)
        case KeychainError.keyMissing:
            return String(localized: "error.key_missing")
        case KeychainError.unavailable:
            return String(localized: "error.keychain_locked")
        default:
            return String(localized: "error.unexpected")
        }
    }
}

extension Delivery {
    var tint: Color {
        switch self {
        case .local: return .orange
        case .server: return .blue
        case .reviewed: return .green
        case .rejected: return .red
        }
    }
}

extension Severity {
    var tint: Color {
        switch self {
        case .low: return .secondary
        case .medium: return .yellow
        case .high: return .orange
        case .critical: return .red
        }
    }
}
