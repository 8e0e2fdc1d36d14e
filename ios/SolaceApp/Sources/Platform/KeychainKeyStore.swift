import Foundation
import LocalAuthentication
import Security
import Solace

/// The platform `KeyStore` the Rust core asks for the 32-byte device key: one generic-password
/// Keychain item per vault id, this device only, never synced or backed up.
///
/// With `requireBiometry` (the app lock) the item carries an access control created with
/// `SecAccessControlCreateWithFlags(.biometryCurrentSet)` — reading it needs Face ID / Touch ID
/// by the currently enrolled person (re-enrolment invalidates it; the passphrase still works).
/// Devices without biometrics fall back to `.userPresence` (passcode). A non-`interactive`
/// store (background refresh) never prompts: it fails with `AccessDenied`, and the refresh
/// waits for the app.
final class KeychainKeyStore: KeyStore, @unchecked Sendable {
    private let requireBiometry: Bool
    private let interactive: Bool
    private let service = "app.solace.device-key"

    init(requireBiometry: Bool, interactive: Bool = true) {
        self.requireBiometry = requireBiometry
        self.interactive = interactive
    }

    func load(vaultId: String) throws -> Data? {
        var query = baseQuery(vaultId)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        let context = LAContext()
        context.localizedReason = "Unlock"
        context.interactionNotAllowed = !interactive
        query[kSecUseAuthenticationContext as String] = context
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data, data.count == 32 else { throw KeyStoreError.Malformed }
            return data
        case errSecItemNotFound:
            return nil
        case errSecUserCanceled, errSecAuthFailed, errSecInteractionNotAllowed:
            throw KeyStoreError.AccessDenied
        default:
            throw KeyStoreError.Backend(detail: "keychain status \(status)")
        }
    }

    func save(vaultId: String, key: Data) throws {
        try delete(vaultId: vaultId)
        var attributes = baseQuery(vaultId)
        attributes[kSecValueData as String] = key
        if requireBiometry {
            var error: Unmanaged<CFError>?
            let flags: SecAccessControlCreateFlags = LAContext().canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: nil)
                ? .biometryCurrentSet : .userPresence
            guard let access = SecAccessControlCreateWithFlags(nil, kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly, flags, &error) else {
                throw KeyStoreError.Backend(detail: "access control unavailable")
            }
            attributes[kSecAttrAccessControl as String] = access
        } else {
            // Readable after the first unlock since boot, so background refresh can open the store.
            attributes[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        }
        let status = SecItemAdd(attributes as CFDictionary, nil)
        guard status == errSecSuccess else { throw KeyStoreError.Backend(detail: "keychain status \(status)") }
    }

    func delete(vaultId: String) throws {
        let status = SecItemDelete(baseQuery(vaultId) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeyStoreError.Backend(detail: "keychain status \(status)")
        }
    }

    private func baseQuery(_ vaultId: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: vaultId,
            kSecAttrSynchronizable as String: false,
        ]
    }
}
