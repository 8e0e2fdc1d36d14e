// FFI call overhead measured from Kotlin on the JVM against the release native library.
// Run with `cargo xtask bench-ffi`. Prints per-call p50/p99 in microseconds, and the p99 of UI
// reads made while a sync waits on a server that accepts connections and never answers.
package app.solace.ffi.bench

import app.solace.ffi.*
import java.io.File
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

fun percentiles(samples: LongArray): Pair<Double, Double> {
    samples.sort()
    val p = { q: Double -> samples[((samples.size - 1) * q).toInt()] / 1000.0 }
    return Pair(p(0.50), p(0.99))
}

fun measure(n: Int, warmup: Int, op: () -> Unit): Pair<Double, Double> {
    repeat(warmup) { op() }
    val samples = LongArray(n)
    for (i in 0 until n) {
        val start = System.nanoTime()
        op()
        samples[i] = System.nanoTime() - start
    }
    return percentiles(samples)
}

private const val PASS = "ffi bench velvet harbor pilgrim"

private fun signal(sig: String, pid: Long) {
    ProcessBuilder("kill", "-$sig", pid.toString()).start().waitFor()
}

/** Starts `solace server` ([bin]) on a free port with a fresh database under [dir]. */
private fun startServer(bin: String, dir: File): Pair<Process, String> {
    val port = ServerSocket(0).use { it.localPort }
    val pb = ProcessBuilder(bin, "server")
    pb.environment()["SOLACE_SERVER_LISTEN"] = "127.0.0.1:$port"
    pb.environment()["SOLACE_SERVER_DATABASE"] = "sqlite:${dir.path}/server.db"
    pb.redirectErrorStream(true).redirectOutput(File(dir, "server.log"))
    val proc = pb.start()
    val deadline = System.currentTimeMillis() + 20_000
    while (true) {
        try {
            Socket("127.0.0.1", port).close()
            return proc to "http://127.0.0.1:$port"
        } catch (e: java.io.IOException) {
            check(proc.isAlive && System.currentTimeMillis() < deadline) { "solace server did not start" }
            Thread.sleep(50)
        }
    }
}

/**
 * p50/p99 in milliseconds of `journal().list()` calls made on this (UI) thread while a sync
 * waits on a stopped server (`kill -STOP`: the kernel accepts connections, nobody answers).
 */
private fun uiReadsDuringStalledSync(bin: String, reads: Int): Pair<Double, Double> = runBlocking {
    val dir = Files.createTempDirectory("solace-ffi-bench-stall").toFile()
    val (server, url) = startServer(bin, dir)
    val background = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    try {
        val solace = createStore(File(dir, "store").path, PASS, KdfPreset.MINIMUM).solace
        solace.sync().register(url, "bench", PASS, "bench")
        repeat(50) { solace.journal().add(JournalDraft(null, JournalBody.Free("entry $it"), listOf())) }
        val states = CopyOnWriteArrayList<SyncState>()
        val sub = solace.subscribe(object : SolaceListener {
            override fun onSyncStateChanged(state: SyncState) { states.add(state) }
            override fun onMessageArrived(conversationId: String) {}
        })
        signal("STOP", server.pid())
        val sync = background.async { solace.sync().syncNow(SyncBudget.UNLIMITED) }
        while (states.isEmpty()) Thread.sleep(1)
        Thread.sleep(200) // the sync is now waiting on the server
        val samples = LongArray(reads)
        for (i in 0 until reads) {
            val start = System.nanoTime()
            solace.journal().list(JournalFilter())
            samples[i] = System.nanoTime() - start
        }
        check(sync.isActive) { "the sync finished against a stopped server" }
        sync.cancel()
        withTimeout(5_000) { sync.join() }
        sub.cancel()
        solace.closeStore()
        val (p50, p99) = percentiles(samples)
        Pair(p50 / 1000.0, p99 / 1000.0)
    } finally {
        background.cancel()
        signal("CONT", server.pid())
        server.destroy()
        server.waitFor()
        dir.deleteRecursively()
    }
}

fun main() {
    val dir = Files.createTempDirectory("solace-ffi-bench").toFile()
    val solace = runBlocking { createStore(dir.path, PASS, KdfPreset.MINIMUM) }.solace
    val simple = measure(100_000, 20_000) { solace.vaultId() }
    val text = "A short journal entry about the day, a few sentences long. ".repeat(8)
    val ids = ArrayList<String>()
    val write = measure(5_000, 500) {
        ids.add(solace.journal().add(JournalDraft(null, JournalBody.Free(text), listOf("bench"))).id)
    }
    var i = 0
    val read = measure(20_000, 2_000) {
        solace.journal().get(ids[i % ids.size])
        i += 1
    }
    println()
    println("Solace FFI overhead from Kotlin (JVM, JNA, release library)")
    println("simple call (vaultId)                        p50 %6.2f µs, p99 %6.2f µs".format(simple.first, simple.second))
    println("record write round trip (journal add, ~500 B) p50 %6.2f µs, p99 %6.2f µs".format(write.first, write.second))
    println("record read round trip (journal get)          p50 %6.2f µs, p99 %6.2f µs".format(read.first, read.second))
    solace.closeStore()
    dir.deleteRecursively()

    val bin = System.getenv("SOLACE_BIN")
    if (bin == null) {
        println("ui-read-during-stalled-sync skipped (SOLACE_BIN not set)")
        return
    }
    val stalled = uiReadsDuringStalledSync(bin, 200)
    println("UI read (journal list, 50 entries) while a sync waits on a stalled server: p50 %.2f ms".format(stalled.first))
    println("ui-read-during-stalled-sync p99_ms=%.2f (goal ≤ 50)".format(stalled.second))
}
