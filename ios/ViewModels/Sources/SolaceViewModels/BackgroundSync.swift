import Foundation
import Solace

/// What a background sync run did, as BGTaskScheduler (or WorkManager) needs it.
public enum SyncOutcome: Equatable, Sendable {
    /// Ran; `complete` false means the budget ran out: schedule again soon.
    /// `messages`: how many conversations got new messages.
    case synced(pushed: Int, pulled: Int, complete: Bool, messages: Int)
    /// Sync is not set up on this device: nothing to do.
    case notSetUp
    /// The store is locked and the device key needs the person (biometry): wait for the app.
    case locked
    /// A transient failure (offline, store busy): try again later.
    case retry(UiError)
    /// A failure retrying won't fix (signed out, damaged store).
    case failed(UiError)
}

/// One budgeted background sync (`SyncBudget.background`: bounded work, ~25 s, consistent store
/// at any interruption) — fits iOS background refresh's ~30 s.
public enum BackgroundSync {
    /// Syncs an already open store (the app is running and unlocked).
    public static func run(_ solace: Solace) async -> SyncOutcome {
        do {
            let report = try await solace.sync().syncNowCancellable(budget: .background)
            return .synced(pushed: Int(report.pushed), pulled: Int(report.pulled), complete: report.complete,
                           messages: Int(report.messagesArrived))
        } catch {
            return classify(error)
        }
    }

    /// Opens the store with `open` (the device key, never prompting), syncs and closes it.
    /// A key that needs the person (biometric Keychain item) makes this `.locked`.
    public static func openAndRun(_ open: () throws -> Solace) async -> SyncOutcome {
        let solace: Solace
        do {
            solace = try open()
        } catch let e as SolaceError {
            switch e {
            case .KeyStore, .DeviceNotRemembered, .DeviceKeyMismatch: return .locked
            case .NotInitialized: return .notSetUp
            default: return classify(e)
            }
        } catch {
            return .locked
        }
        defer { solace.closeStore() }
        return await run(solace)
    }

    /// Which (discreet) notification a run calls for: new messages first, then new data.
    public static func notificationEvent(_ outcome: SyncOutcome) -> NotificationEvent? {
        guard case .synced(_, let pulled, _, let messages) = outcome else { return nil }
        switch syncNotice(pulled: UInt32(pulled), messagesArrived: UInt32(messages)) {
        case .newMessage?: return .newMessage
        case .syncedChanges?: return .syncedChanges
        case nil: return nil
        }
    }

    /// Whether to post the (discreet) "new update" notification: new data or new messages.
    public static func shouldNotify(_ outcome: SyncOutcome) -> Bool { notificationEvent(outcome) != nil }

    static func classify(_ error: Error) -> SyncOutcome {
        switch error as? SolaceError {
        case .NotRegistered?: return .notSetUp
        case .Network?, .StoreBusy?, .ServerRejected?: return .retry(UiError(error))
        case .Closed?: return .locked
        default: return .failed(UiError(error))
        }
    }
}
