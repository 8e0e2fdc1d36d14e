import Foundation
import XCTest
@testable import Solace
@testable import SolaceViewModels

final class AppLockTests: StoreTestCase {
    func testFirstRunThenWrongPassphraseShowsTheTypedError() async throws {
        let dir = try storePath()
        let keys = MemoryKeyStore()
        let lock = AppLockViewModel(storeDir: dir, keyStore: keys, kdf: .minimum)
        await lock.start()
        XCTAssertEqual(lock.state, .setup())

        await lock.create(passphrase: passphrase, confirmation: "different")
        XCTAssertEqual(lock.state, .setup(error: .passphrasesDiffer))
        await lock.create(passphrase: passphrase, confirmation: passphrase)
        guard case .showRecoveryKey(let key) = lock.state else { return XCTFail("expected the recovery key, got \(lock.state)") }
        XCTAssertFalse(key.isEmpty)
        XCTAssertNil(lock.solace)
        lock.acknowledgeRecoveryKey()
        XCTAssertEqual(lock.state, .unlocked)
        XCTAssertEqual(keys.count, 1)

        lock.lock()
        XCTAssertEqual(lock.state.lockedState?.deviceUnlockAvailable, true)
        await lock.unlock(passphrase: "not the passphrase")
        XCTAssertEqual(lock.state.lockedState?.error, .wrongPassphrase)
        XCTAssertEqual(lock.state.lockedState?.failedAttempts, 1)
        XCTAssertEqual(lock.state.lockedState?.busy, false)
        await lock.unlock(passphrase: "nope")
        await lock.unlock(passphrase: "still no")
        XCTAssertEqual(lock.state.lockedState?.offerRecovery, true)
        await lock.unlock(passphrase: "")
        XCTAssertEqual(lock.state.lockedState?.error, .emptyPassphrase)

        await lock.unlock(passphrase: passphrase)
        XCTAssertEqual(lock.state, .unlocked)
        lock.lock()

        // Next launch: the device key opens it; a refused Keychain (Face ID cancelled) is typed.
        let next = AppLockViewModel(storeDir: dir, keyStore: keys, kdf: .minimum)
        await next.start()
        XCTAssertEqual(next.state, .unlocked)
        next.lock()
        let denied = AppLockViewModel(storeDir: dir, keyStore: DeniedKeyStore(), kdf: .minimum)
        await denied.start()
        XCTAssertEqual(denied.state.lockedState?.error, .keyStoreDenied)
        let other = AppLockViewModel(storeDir: dir, keyStore: MemoryKeyStore(), kdf: .minimum)
        await other.start()
        XCTAssertEqual(other.state, .locked(.init(deviceUnlockAvailable: false)))
        await other.recover(recoveryKey: "not a key", newPassphrase: "new velvet harbor pilgrim")
        XCTAssertEqual(other.state.lockedState?.error, .malformedRecoveryKey)
        await other.recover(recoveryKey: key, newPassphrase: "new velvet harbor pilgrim")
        XCTAssertEqual(other.state, .unlocked)
        other.lock()
    }

    func testQuickHideLocksAtOnce() async throws {
        let lock = AppLockViewModel(storeDir: try storePath(), keyStore: MemoryKeyStore(), kdf: .minimum)
        await lock.start()
        await lock.create(passphrase: passphrase, confirmation: passphrase)
        lock.acknowledgeRecoveryKey()
        let journal = JournalViewModel(solace: lock.solace!)
        journal.load()
        XCTAssertNil(journal.state.error)

        let storage = InMemorySettingsStorage()
        let settings = SettingsViewModel(storage: storage, lock: lock.lock)
        settings.quickHide()
        XCTAssertTrue(settings.state.hidden)
        XCTAssertNotNil(lock.state.lockedState)
        journal.load()
        XCTAssertEqual(journal.state.error, .locked)
        await lock.unlock(passphrase: passphrase)
        settings.reveal()
        XCTAssertFalse(settings.state.hidden)
        lock.lock()
    }

    func testSettingsPersistAndNotificationsRevealNothing() async {
        let storage = InMemorySettingsStorage()
        let settings = SettingsViewModel(storage: storage, lock: {})
        XCTAssertEqual(settings.state.notificationPreview, NotificationText(title: "Solace", body: "You have a new update"))
        settings.setIdentity(.notes)
        XCTAssertTrue(settings.state.identityChangePending)
        XCTAssertEqual(AppIdentity.notes.alternateIconName, "AppIcon-Notes")
        settings.identityApplied()
        XCTAssertEqual(settings.state.notificationPreview.title, "Notes")
        for event in NotificationEvent.allCases {
            XCTAssertEqual(Notifications.text(event, AppSettings()).body, Notifications.discreetBody)
        }
        settings.setDiscreetNotifications(false)
        XCTAssertEqual(Notifications.text(.newMessage, settings.state.settings).body, "New message")
        settings.setLockAfter(seconds: 300)
        XCTAssertEqual(storage.load(), AppSettings(lockAfterSeconds: 300, discreetNotifications: false, identity: .notes))
        let t0 = Date(timeIntervalSince1970: 0)
        XCTAssertFalse(settings.shouldLockOnReturn(backgroundedAt: t0, now: t0.addingTimeInterval(299)))
        XCTAssertTrue(settings.shouldLockOnReturn(backgroundedAt: t0, now: t0.addingTimeInterval(300)))
        XCTAssertEqual(SettingsViewModel(storage: storage, lock: {}).state.settings, storage.load())

        let defaults = UserDefaults(suiteName: "solace-test-\(UUID().uuidString)")!
        let stored = UserDefaultsSettingsStorage(defaults: defaults)
        stored.save(AppSettings(identity: .planner))
        XCTAssertEqual(stored.load().identity, .planner)
    }
}
