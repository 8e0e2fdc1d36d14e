// Test fixtures: real stores in temporary directories (minimum Argon2id cost), key stores in
// memory, and a real `solace server` for the sync tests.
package app.solace.viewmodels

import app.solace.ffi.KdfPreset
import app.solace.ffi.KeyStore
import app.solace.ffi.KeyStoreException
import app.solace.ffi.Solace
import app.solace.ffi.createStore
import java.io.File
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.runBlocking
import org.junit.Assume.assumeTrue

class MemoryKeyStore : KeyStore {
    val keys = ConcurrentHashMap<String, ByteArray>()
    override fun load(vaultId: String): ByteArray? = keys[vaultId]
    override fun save(vaultId: String, key: ByteArray) {
        keys[vaultId] = key.copyOf()
    }
    override fun delete(vaultId: String) {
        keys.remove(vaultId)
    }
}

/** A key store whose key needs the person (biometric prompt) and nobody is there. */
class DeniedKeyStore : KeyStore {
    override fun load(vaultId: String): ByteArray? = throw KeyStoreException.AccessDenied()
    override fun save(vaultId: String, key: ByteArray) = throw KeyStoreException.AccessDenied()
    override fun delete(vaultId: String) = throw KeyStoreException.AccessDenied()
}

const val PASSPHRASE = "cobalt lantern tundra oyster"

/** Temporary directories and open stores, cleaned up by [close]. */
class Scratch : AutoCloseable {
    private val dirs = mutableListOf<File>()
    private val stores = mutableListOf<Solace>()

    fun dir(): File = Files.createTempDirectory("solace-vm").toFile().also { dirs.add(it) }

    /** A fresh open store. */
    fun store(passphrase: String = PASSPHRASE): Solace = runBlocking {
        createStore(File(dir(), "store").path, passphrase, KdfPreset.MINIMUM).solace.also { stores.add(it) }
    }

    fun track(solace: Solace): Solace = solace.also { stores.add(it) }

    override fun close() {
        stores.forEach {
            it.closeStore()
            it.close()
        }
        dirs.forEach { it.deleteRecursively() }
    }
}

/** `solace server` on a free loopback port with a fresh SQLite database; skips when unavailable. */
class TestServer(scratch: Scratch) : AutoCloseable {
    private val process: Process
    val url: String

    init {
        val bin = System.getenv("SOLACE_BIN")
        assumeTrue("SOLACE_BIN not set; run through `cargo xtask test-android-vm`", bin != null && File(bin).canExecute())
        val port = ServerSocket(0).use { it.localPort }
        val db = scratch.dir()
        val pb = ProcessBuilder(bin, "server")
        pb.environment()["SOLACE_SERVER_LISTEN"] = "127.0.0.1:$port"
        pb.environment()["SOLACE_SERVER_DATABASE"] = "sqlite:${db.path}/server.db"
        pb.redirectErrorStream(true).redirectOutput(File(db, "server.log"))
        process = pb.start()
        val deadline = System.currentTimeMillis() + 20_000
        while (true) {
            try {
                Socket("127.0.0.1", port).close()
                break
            } catch (e: java.io.IOException) {
                if (!process.isAlive) error("solace server exited: " + File(db, "server.log").readText())
                if (System.currentTimeMillis() > deadline) error("solace server did not start")
                Thread.sleep(50)
            }
        }
        url = "http://127.0.0.1:$port"
    }

    /** The server's process id (for `kill -STOP`). */
    val pid: Long get() = process.pid()

    override fun close() {
        ProcessBuilder("kill", "-CONT", process.pid().toString()).start().waitFor()
        process.destroy()
        process.waitFor()
    }
}
