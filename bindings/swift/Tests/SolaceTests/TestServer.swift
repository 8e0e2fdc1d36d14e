// A real `solace server` for the binding tests that talk to a server.
import Foundation
import XCTest

/// `solace server` (from `SOLACE_BIN`) on a free loopback port with a fresh SQLite database in
/// `db`; returns the process and its base URL. Skips the test when `SOLACE_BIN` is not set. A
/// server that exits at once (its random port taken meanwhile) is tried again on another port.
func startSolaceServer(db: URL) throws -> (Process, String) {
    guard let bin = ProcessInfo.processInfo.environment["SOLACE_BIN"],
          FileManager.default.isExecutableFile(atPath: bin) else {
        throw XCTSkip("SOLACE_BIN not set; run through `cargo xtask test-swift`")
    }
    for attempt in 0..<3 {
        let port = 20000 + Int.random(in: 0..<20000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["server"]
        var env = ProcessInfo.processInfo.environment
        env["SOLACE_SERVER_LISTEN"] = "127.0.0.1:\(port)"
        env["SOLACE_SERVER_DATABASE"] = "sqlite:\(db.path)/server-\(attempt).db"
        process.environment = env
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning {
            if canConnect(port: port) { return (process, "http://127.0.0.1:\(port)") }
            usleep(50_000)
        }
        if process.isRunning {
            stopServer(process)
            break
        }
    }
    throw NSError(domain: "solace", code: 1, userInfo: [NSLocalizedDescriptionKey: "solace server did not start"])
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
