import Foundation
import Observation
import Solace

/// The lock screen's state.
public enum LockState: Equatable, Sendable {
    /// Trying the device key (the Keychain may show Face ID / Touch ID).
    case checking
    /// No store on this device yet: choose a passphrase.
    case setup(busy: Bool = false, error: UiError? = nil)
    /// Created: show the recovery key once, then continue.
    case showRecoveryKey(String)
    /// Locked: passphrase (or the device key, when `deviceUnlockAvailable`).
    case locked(Locked)
    /// Open: the rest of the app runs on `AppLockViewModel.solace`.
    case unlocked

    public struct Locked: Equatable, Sendable {
        public var busy = false
        public var error: UiError?
        public var failedAttempts = 0
        public var deviceUnlockAvailable = false
        /// After a few wrong passphrases, point at the recovery key.
        public var offerRecovery: Bool { failedAttempts >= 3 }
        public init(busy: Bool = false, error: UiError? = nil, failedAttempts: Int = 0, deviceUnlockAvailable: Bool = false) {
            self.busy = busy
            self.error = error
            self.failedAttempts = failedAttempts
            self.deviceUnlockAvailable = deviceUnlockAvailable
        }
    }

    public var lockedState: Locked? {
        if case .locked(let l) = self { return l }
        return nil
    }
}

/// Unlocking and locking the encrypted store. Owns the one open `Solace` of the process; other
/// view models are built from `solace` after `.unlocked` and dropped on `lock()`.
///
/// The `keyStore` is the platform's (iOS Keychain, biometry-gated when the app lock is on), so
/// "unlock with the device key" *is* the app lock.
@MainActor
@Observable
public final class AppLockViewModel {
    public private(set) var state: LockState = .checking
    public private(set) var solace: Solace?

    @ObservationIgnored private let storeDir: String
    @ObservationIgnored private let keyStore: KeyStore
    @ObservationIgnored private let kdf: KdfPreset
    @ObservationIgnored private var pendingStore: Solace?

    public init(storeDir: String, keyStore: KeyStore, kdf: KdfPreset = .standard) {
        self.storeDir = storeDir
        self.keyStore = keyStore
        self.kdf = kdf
    }

    private var currentLocked: LockState.Locked { state.lockedState ?? LockState.Locked() }

    /// First screen: opens with the device key when this device is remembered.
    public func start() async {
        state = .checking
        let dir = storeDir, keys = keyStore
        let result = await Task.detached { Result { try Solace.openWithDeviceKey(dir: dir, keystore: keys) } }.value
        switch result {
        case .success(let store): unlocked(store)
        case .failure(let error):
            switch error as? SolaceError {
            case .NotInitialized?: state = .setup()
            case .DeviceNotRemembered?, .DeviceKeyMismatch?: state = .locked(.init(deviceUnlockAvailable: false))
            default: state = .locked(.init(error: UiError(error), deviceUnlockAvailable: true))
            }
        }
    }

    /// First run: creates the store, remembers this device and shows the recovery key once.
    public func create(passphrase: String, confirmation: String) async {
        if passphrase.trimmingCharacters(in: .whitespaces).isEmpty {
            state = .setup(error: .emptyPassphrase)
            return
        }
        if passphrase != confirmation {
            state = .setup(error: .passphrasesDiffer)
            return
        }
        state = .setup(busy: true)
        let dir = storeDir, keys = keyStore, kdf = kdf
        let result = await catching { () async throws -> CreatedStore in
            let created = try await createStore(dir: dir, passphrase: passphrase, kdf: kdf)
            try await Task.detached { try created.solace.rememberDevice(keystore: keys) }.value
            return created
        }
        switch result {
        case .success(let created):
            pendingStore = created.solace
            state = .showRecoveryKey(created.recoveryKey)
        case .failure(let error):
            state = .setup(error: UiError(error))
        }
    }

    /// The person wrote the recovery key down.
    public func acknowledgeRecoveryKey() {
        guard let store = pendingStore else { return }
        pendingStore = nil
        unlocked(store)
    }

    /// Unlocks with the passphrase; a wrong one leaves the screen locked with the typed error.
    public func unlock(passphrase: String, rememberDevice: Bool = true) async {
        var locked = currentLocked
        if passphrase.isEmpty {
            locked.error = .emptyPassphrase
            state = .locked(locked)
            return
        }
        locked.busy = true
        locked.error = nil
        state = .locked(locked)
        let dir = storeDir, keys = keyStore
        let result = await catching { () async throws -> Solace in
            let store = try await openWithPassphrase(dir: dir, passphrase: passphrase)
            if rememberDevice, !((try? store.deviceRemembered()) ?? true) {
                // Best effort, off the main actor (the Keychain may prompt).
                _ = await Task.detached { try? store.rememberDevice(keystore: keys) }.value
            }
            return store
        }
        switch result {
        case .success(let store): unlocked(store)
        case .failure(let error):
            let mapped = UiError(error)
            locked.busy = false
            locked.error = mapped
            if mapped == .wrongPassphrase { locked.failedAttempts += 1 }
            state = .locked(locked)
        }
    }

    /// Unlocks with the device key (Face ID / Touch ID through the Keychain when the lock is on).
    public func unlockWithDevice() async {
        var locked = currentLocked
        locked.busy = true
        locked.error = nil
        state = .locked(locked)
        let dir = storeDir, keys = keyStore
        let result = await Task.detached { Result { try Solace.openWithDeviceKey(dir: dir, keystore: keys) } }.value
        switch result {
        case .success(let store): unlocked(store)
        case .failure(let error):
            let mapped = UiError(error)
            locked.busy = false
            locked.error = mapped
            locked.deviceUnlockAvailable = mapped != .deviceNotRemembered
            state = .locked(locked)
        }
    }

    /// Forgotten passphrase: the recovery key sets a new one.
    public func recover(recoveryKey: String, newPassphrase: String) async {
        var locked = currentLocked
        if newPassphrase.trimmingCharacters(in: .whitespaces).isEmpty {
            locked.error = .emptyPassphrase
            state = .locked(locked)
            return
        }
        locked.busy = true
        locked.error = nil
        state = .locked(locked)
        let dir = storeDir, keys = keyStore
        let result = await catching { () async throws -> Solace in
            let store = try await resetPassphrase(
                dir: dir, recoveryKey: recoveryKey, newPassphrase: newPassphrase, signOutOtherDevices: false)
            _ = await Task.detached { try? store.rememberDevice(keystore: keys) }.value
            return store
        }
        switch result {
        case .success(let store): unlocked(store)
        case .failure(let error):
            locked.busy = false
            locked.error = UiError(error)
            state = .locked(locked)
        }
    }

    /// Locks now (quick hide, lock timeout, "lock" button): closes the store, so every view
    /// model built on it stops working until the next unlock.
    public func lock() {
        let store = solace ?? pendingStore
        solace = nil
        pendingStore = nil
        let remembered = (try? store?.deviceRemembered()) ?? false
        store?.closeStore()
        state = .locked(.init(deviceUnlockAvailable: remembered))
    }

    private func unlocked(_ store: Solace) {
        solace = store
        state = .unlocked
    }
}
