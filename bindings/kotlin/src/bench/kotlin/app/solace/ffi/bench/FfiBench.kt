// FFI call overhead measured from Kotlin on the JVM against the release native library.
// Run with `cargo xtask bench-ffi`. Prints per-call p50/p99 in microseconds.
package app.solace.ffi.bench

import app.solace.ffi.*
import java.nio.file.Files

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

fun main() {
    val dir = Files.createTempDirectory("solace-ffi-bench").toFile()
    val solace = createStore(dir.path, "ffi bench velvet harbor pilgrim", KdfPreset.MINIMUM).solace
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
}
