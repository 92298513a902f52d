// The 32-byte database key, sealed in the Keychain on this device only: created once
// with the core's generator, readable after the first unlock so background sync can
// open the store, never backed up or migrated (a lost phone leaks nothing).
import Foundation
import GridfieldFFI
import Security

enum KeychainError: Error {
    /// The Keychain refused (e.g. before the first unlock after a reboot); retry later.
    case unavailable(OSStatus)
    /// A store exists but its key is gone: never invent a new one over existing data.
    case keyMissing
}

struct KeychainKeyProvider: Sendable {
    var service = "cn.gridfield.app.database"
    var account = "database-key-v1"

    /// The key for an existing store. A missing key is an error, not a reason to create one.
    func existingKey() throws -> Data {
        guard let key = try read() else { throw KeychainError.keyMissing }
        return key
    }

    /// The key for a store about to be created: the one already saved (an enrollment
    /// that failed half-way), or a fresh one from the core, saved before use.
    func keyForNewStore() throws -> Data {
        if let key = try read() { return key }
        let key = try generateDatabaseKey()
        let status = SecItemAdd(attributes(adding: key) as CFDictionary, nil)
        if status == errSecDuplicateItem, let raced = try read() {
            return raced
        }
        guard status == errSecSuccess else { throw KeychainError.unavailable(status) }
        return key
    }

    private func baseQuery() -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    private func attributes(adding key: Data) -> [String: Any] {
        var query = baseQuery()
        query[kSecValueData as String] = key
        // After first unlock: BGTaskScheduler may sync while the phone is locked.
        // ThisDeviceOnly: the key never leaves the phone in a backup.
        query[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        query[kSecAttrSynchronizable as String] = false
        return query
    }

    private func read() throws -> Data? {
        var query = baseQuery()
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data, data.count == 32 else { throw KeychainError.keyMissing }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw KeychainError.unavailable(status)
        }
    }
}
