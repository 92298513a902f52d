// What the shells need from any core error: its stable code, the reason a person can
// read in their language, and whether a sync failure is worth retrying by itself.
// Lives next to the generated bindings so every Swift caller gets the same answers.
import Foundation

extension GridfieldError {
    /// The stable machine code (`wrong_key`, `photo_too_large`, `not_enrolled`…).
    public var code: String {
        switch self {
        case let .WrongKey(code, _, _), let .Setup(code, _, _), let .StorageFull(code, _, _),
             let .InvalidInput(code, _, _), let .NotFound(code, _, _), let .NotPermitted(code, _, _),
             let .Sync(code, _, _, _), let .Revoked(code, _, _), let .Cancelled(code, _, _),
             let .UpdateRequired(code, _, _), let .Internal(code, _, _):
            return code
        }
    }

    /// The core's own reason, Simplified Chinese unless `lang` is English.
    public func reason(_ lang: Lang) -> String {
        let zh: String
        let en: String
        switch self {
        case let .WrongKey(_, r, e), let .Setup(_, r, e), let .StorageFull(_, r, e),
             let .InvalidInput(_, r, e), let .NotFound(_, r, e), let .NotPermitted(_, r, e),
             let .Sync(_, r, e, _), let .Revoked(_, r, e), let .Cancelled(_, r, e),
             let .UpdateRequired(_, r, e), let .Internal(_, r, e):
            zh = r
            en = e
        }
        return lang == .en ? en : zh
    }

    /// The phone was revoked by an administrator and the core wiped its store:
    /// close it and show the enroll screen with the reason.
    public var isRevoked: Bool {
        if case .Revoked = self { return true }
        return false
    }

    /// Keep retrying on its own while the network is the problem (no connection,
    /// server busy or failing); stop and tell the person when the server refuses
    /// this device or its data, which retrying cannot fix.
    public var isRetryable: Bool {
        guard case let .Sync(code, _, _, httpStatus) = self else { return false }
        return (httpStatus == 0 && code != "not_enrolled") || httpStatus == 429 || httpStatus >= 500
    }
}
