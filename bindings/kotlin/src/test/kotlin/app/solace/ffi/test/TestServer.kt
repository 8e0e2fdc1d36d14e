// A real `solace server` for the binding tests that talk to a server.
package app.solace.ffi.test

import java.io.File
import java.net.ServerSocket
import java.net.Socket
import org.junit.Assume.assumeTrue

/**
 * `solace server` (from `SOLACE_BIN`) on a free loopback port with a fresh SQLite database in
 * [db]; returns the process and its base URL. Skips the test when `SOLACE_BIN` is not set.
 */
fun startSolaceServer(db: File): Pair<Process, String> {
    val bin = System.getenv("SOLACE_BIN")
    assumeTrue("SOLACE_BIN not set; run through `cargo xtask test-kotlin`", bin != null && File(bin).canExecute())
    val help = ProcessBuilder(bin, "server", "--help").redirectErrorStream(true).start()
    help.inputStream.readBytes()
    assumeTrue("this `solace` binary has no `server` command", help.waitFor() == 0)

    val port = ServerSocket(0).use { it.localPort }
    val pb = ProcessBuilder(bin, "server")
    pb.environment()["SOLACE_SERVER_LISTEN"] = "127.0.0.1:$port"
    pb.environment()["SOLACE_SERVER_DATABASE"] = "sqlite:${db.path}/server.db"
    pb.redirectErrorStream(true).redirectOutput(File(db, "server.log"))
    val proc = pb.start()
    val deadline = System.currentTimeMillis() + 20_000
    while (true) {
        try {
            Socket("127.0.0.1", port).close()
            break
        } catch (e: java.io.IOException) {
            if (!proc.isAlive) error("solace server exited: " + File(db, "server.log").readText())
            if (System.currentTimeMillis() > deadline) error("solace server did not start")
            Thread.sleep(50)
        }
    }
    return proc to "http://127.0.0.1:$port"
}
