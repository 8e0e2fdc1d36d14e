// Test fixtures: real stores in temporary directories (minimum Argon2id cost), key stores in
// memory, and a real `solace server` for the sync test.
import Foundation
import XCTest
@testable import Solace
@testable import SolaceViewModels

/// Stops a server process for good without Foundation's `waitUntilExit`, which on Linux can
/// spin forever when called from a Swift-concurrency thread: continue it if it was stopped,
/// then SIGKILL (the kernel closes its sockets at once).
func stopServer(_ process: Process) {
    let pid = process.processIdentifier
    kill(pid, SIGCONT)
    kill(pid, SIGKILL)
    usleep(100_000)
}

final class MemoryKeyStore: KeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: Data] = [:]
    var count: Int { lock.lock(); defer { lock.unlock() }; return keys.count }
    func load(vaultId: String) throws -> Data? { lock.lock(); defer { lock.unlock() }; return keys[vaultId] }
    func save(vaultId: String, key: Data) throws { lock.lock(); defer { lock.unlock() }; keys[vaultId] = key }
    func delete(vaultId: String) throws { lock.lock(); defer { lock.unlock() }; keys[vaultId] = nil }
}

/// A key store whose key needs the person (Face ID) and nobody is there.
final class DeniedKeyStore: KeyStore, @unchecked Sendable {
    func load(vaultId: String) throws -> Data? { throw KeyStoreError.AccessDenied }
    func save(vaultId: String, key: Data) throws { throw KeyStoreError.AccessDenied }
    func delete(vaultId: String) throws { throw KeyStoreError.AccessDenied }
}

let passphrase = "cobalt lantern tundra oyster"

@MainActor
class StoreTestCase: XCTestCase {
    // Touched from the main actor by the tests and from XCTest's nonisolated tearDown, never
    // at the same time (XCTest runs one test method, then its tearDown, on one thread).
    nonisolated(unsafe) private var dirs: [URL] = []
    nonisolated(unsafe) private var stores: [Solace] = []

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("solace-vm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        dirs.append(dir)
        return dir
    }

    func storePath() throws -> String { try tempDir().appendingPathComponent("store").path }

    func newStore() async throws -> Solace {
        let solace = try await createStore(dir: storePath(), passphrase: passphrase, kdf: .minimum).solace
        stores.append(solace)
        return solace
    }

    func track(_ solace: Solace) -> Solace {
        stores.append(solace)
        return solace
    }

    override func tearDown() {
        stores.forEach { $0.closeStore() }
        stores = []
        dirs.forEach { try? FileManager.default.removeItem(at: $0) }
        dirs = []
    }

    /// `solace server` on a free loopback port; skips when `SOLACE_BIN` is not set.
    func startServer() throws -> (Process, String) {
        guard let bin = ProcessInfo.processInfo.environment["SOLACE_BIN"],
              FileManager.default.isExecutableFile(atPath: bin) else {
            throw XCTSkip("SOLACE_BIN not set; run through `cargo xtask test-ios-vm`")
        }
        // A server that exits at once (its random port taken meanwhile) is tried again on
        // another port; one that never answers is given up.
        for _ in 0..<3 {
            let port = 20000 + Int.random(in: 0..<20000)
            let db = try tempDir()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: bin)
            process.arguments = ["server"]
            var env = ProcessInfo.processInfo.environment
            env["SOLACE_SERVER_LISTEN"] = "127.0.0.1:\(port)"
            env["SOLACE_SERVER_DATABASE"] = "sqlite:\(db.path)/server.db"
            process.environment = env
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let url = "http://127.0.0.1:\(port)"
            // Wait until it answers (any HTTP status will do).
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if canConnect(port: port) { return (process, url) }
                if !process.isRunning { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            if process.isRunning {
                stopServer(process)
                break
            }
        }
        throw XCTSkip("solace server did not start")
    }

    private func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
