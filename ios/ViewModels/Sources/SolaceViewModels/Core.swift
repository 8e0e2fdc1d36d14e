// Shared plumbing of the view models: typed UI errors, days as `YYYY-MM-DD`, and the change
// notification. Plain Swift: Foundation + Observation + the generated bindings only.
//
// Observation: every view model is an `@Observable` class (the Observation module ships with
// Swift 5.9+ on Apple platforms and on Linux; the Linux test run uses it too), so SwiftUI views
// re-render when `state` changes. Methods are synchronous and short (one encrypted SQLite
// call) unless `async`, which move blocking work (Argon2id, network) off the caller's thread.
import Foundation
import Observation
import Solace

/// What went wrong, as a screen shows it. Mapped from the core's typed `SolaceError`.
public enum UiError: Equatable, Sendable {
    case wrongPassphrase
    case wrongRecoveryKey
    case malformedRecoveryKey
    case passphrasesDiffer
    case emptyPassphrase
    case deviceNotRemembered
    case keyStoreDenied
    case storeBusy
    case locked
    case diskFull
    case offline
    case notRegistered
    case unauthorized
    case damaged
    case invalid(String)
    case weakPassphrase(String)
    case notFound(String)
    case unexpected(String)

    /// A short sentence fit to show (no personal data, no secrets).
    public var message: String {
        switch self {
        case .wrongPassphrase: return "That passphrase doesn't open Solace. Try again."
        case .wrongRecoveryKey: return "That recovery key doesn't match this device's data."
        case .malformedRecoveryKey: return "That doesn't look like a recovery key. Check for typos."
        case .passphrasesDiffer: return "The two passphrases don't match."
        case .emptyPassphrase: return "Enter your passphrase."
        case .deviceNotRemembered: return "Unlock with your passphrase."
        case .keyStoreDenied: return "Unlock was cancelled. Use your passphrase or try again."
        case .storeBusy: return "Solace is busy in another window. Try again in a moment."
        case .locked: return "Solace is locked."
        case .diskFull: return "Your device is full; nothing was saved."
        case .offline: return "Can't reach the server. Your changes are safe and will sync later."
        case .notRegistered: return "Sync isn't set up on this device."
        case .unauthorized: return "Sign in again to keep syncing."
        case .damaged: return "Some data could not be opened. It may be damaged."
        case .invalid(let detail): return detail.prefix(1).uppercased() + detail.dropFirst()
        case .weakPassphrase(let detail): return "Choose a stronger passphrase: \(detail)"
        case .notFound(let what): return "That \(what) no longer exists."
        case .unexpected: return "Something went wrong. Please try again."
        }
    }

    /// Maps any error a binding call threw.
    public init(_ error: Error) {
        if error is KeyStoreError {
            self = .keyStoreDenied
            return
        }
        guard let e = error as? SolaceError else {
            self = .unexpected(String(describing: type(of: error)))
            return
        }
        switch e {
        case .WrongPassphrase: self = .wrongPassphrase
        case .WrongRecoveryKey: self = .wrongRecoveryKey
        case .MalformedRecoveryKey: self = .malformedRecoveryKey
        case .DeviceNotRemembered, .DeviceKeyMismatch: self = .deviceNotRemembered
        case .KeyStore: self = .keyStoreDenied
        case .WeakPassphrase(let detail): self = .weakPassphrase(detail)
        case .StoreBusy: self = .storeBusy
        case .Closed: self = .locked
        case .DiskFull: self = .diskFull
        case .Network: self = .offline
        case .NotRegistered: self = .notRegistered
        case .Unauthorized: self = .unauthorized
        case .Crypto, .CorruptStore: self = .damaged
        case .InvalidInput(let detail): self = .invalid(detail)
        case .NotFound(let what): self = .notFound(what)
        default: self = .unexpected("\(e)")
        }
    }
}

/// Runs a binding call; on failure reports the mapped error and returns nil.
@discardableResult
func attempt<T>(_ onError: (UiError) -> Void, _ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch {
        onError(UiError(error))
        return nil
    }
}

/// Local days as `YYYY-MM-DD`, the bindings' convention.
public enum Day {
    static var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone.current
        return c
    }

    public static func string(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    public static func date(_ day: String) -> Date? {
        let parts = day.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))
    }

    public static func today() -> String { string(Date()) }

    public static func adding(_ days: Int, to day: String) -> String {
        guard let d = date(day), let moved = calendar.date(byAdding: .day, value: days, to: d) else { return day }
        return string(moved)
    }

    /// Whole days from `a` to `b`.
    public static func between(_ a: String, _ b: String) -> Int {
        guard let x = date(a), let y = date(b) else { return 0 }
        return calendar.dateComponents([.day], from: x, to: y).day ?? 0
    }

    /// The day of an RFC 3339 timestamp as written (the writer's own offset).
    public static func of(timestamp: String) -> String { String(timestamp.prefix(10)) }
}

/// Today's local day, injectable so tests can pin it.
public struct Clock: Sendable {
    public var today: @Sendable () -> String
    public init(today: @escaping @Sendable () -> String) { self.today = today }
    public static let system = Clock { Day.today() }
}


func fmt1(_ v: Double) -> String { String(format: "%.1f", v) }

/// Runs an async binding call and captures its outcome (`Result.init` takes only sync closures).
func catching<T>(_ body: () async throws -> T) async -> Result<T, Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

extension SyncService {
    /// `syncNow` that a Swift task cancellation stops: Swift tasks do not drop Rust futures,
    /// so the cancellation handler asks the core to cancel the syncs in flight.
    public func syncNowCancellable(budget: SyncBudget) async throws -> SyncReport {
        try await withTaskCancellationHandler {
            try await syncNow(budget: budget)
        } onCancel: {
            cancelRunning()
        }
    }
}
