// Test support: a real gridfield-server process on loopback (demo district), temp
// directories, fixtures, and a way to run suspend functions from JUnit.
package cn.gridfield.data

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.nio.file.Files
import java.security.SecureRandom
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** Runs a suspend block to completion on the calling thread (tests only). */
fun <T> blocking(block: suspend () -> T): T = runBlocking { withTimeout(120_000L) { block() } }

fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile()

fun repoRoot(): File = File(System.getProperty("gridfield.root") ?: "../..").canonicalFile

fun fixture(name: String): File = File(repoRoot(), "core/tests/fixtures/$name")

/** A fresh random key, as the Keystore-backed provider would hand out. */
class FixedKey(private val key: ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }) :
    DatabaseKeyProvider {
    override fun databaseKey(): ByteArray = key.copyOf()
}

/** `gridfield-server serve --demo` on 127.0.0.1 with a free port, stopped by close(). */
class DemoServer : AutoCloseable {
    val dir = tempDir("gf-server")
    val bin = File(System.getProperty("gridfield.server") ?: File(repoRoot(), "target/debug/gridfield-server").path)
    private val db = File(dir, "server.db")
    private val process: Process
    val url: String
    /** name -> enrollment code, as printed by the demo. */
    val codes: Map<String, String>

    /** name -> the grid the demo enrolled them in. */
    val grids: Map<String, String>

    init {
        process = ProcessBuilder(bin.path, "--db", db.path, "serve", "--demo", "--listen", "127.0.0.1:0")
            .redirectError(File(dir, "server.log"))
            .start()
        val out = BufferedReader(InputStreamReader(process.inputStream, Charsets.UTF_8))
        var u: String? = null
        val c = mutableMapOf<String, String>()
        val g = mutableMapOf<String, String>()
        var inCodes = false
        while (true) {
            val line = out.readLine() ?: error("server exited: " + File(dir, "server.log").readText())
            if (line.startsWith("gridfield-server listening on ")) {
                u = line.removePrefix("gridfield-server listening on ").substringBefore(' ')
            } else if (line.startsWith("demo district seeded")) {
                inCodes = true
            } else if (inCodes && line.startsWith("  ")) {
                val parts = line.trim().split('\t')
                c[parts[0]] = parts[3]
                g[parts[0]] = parts[2]
                if (c.size >= 4) break // the demo enrolls four people
            } else if (inCodes) {
                break
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        Thread { out.useLines { it.forEach { } } }.apply { isDaemon = true }.start()
        url = u ?: error("no listen address")
        codes = c
        grids = g
    }

    /** `admin enroll-code`: a new one-time code (a copied phone's re-enrollment). */
    fun enrollCode(user: String, role: String, grid: String): String {
        val p = ProcessBuilder(bin.path, "--db", db.path, "admin", "enroll-code", "--user", user, "--role", role, "--grid", grid)
            .redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val out = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "enroll-code failed" }
        return out.trim().lines().last().trim().split(Regex("\\s+")).last()
    }

    /** Signed compact door plates (`HTTPS://…/P/…` URLs) for a grid, from the admin CLI. */
    fun signPlates(grid: String): List<String> {
        val outFile = File(dir, "plates-$grid.txt")
        val p = ProcessBuilder(
            bin.path, "--db", db.path, "admin", "sign-plates", "--grid", grid, "--out", outFile.path,
            "--base-url", "https://gf.example.cn",
        )
            .redirectErrorStream(true).start()
        val log = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "sign-plates failed: $log" }
        return outFile.readLines().map { line -> line.split('\t').first { it.startsWith("HTTPS://") } }
    }

    /** `admin <args>`: its standard output, failing the test when it fails. */
    fun admin(vararg args: String): String {
        val p = ProcessBuilder(listOf(bin.path, "--db", db.path, "admin") + args).redirectErrorStream(true).start()
        val out = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "admin ${args.toList()} failed: $out" }
        return out
    }

    /** `admin console-user`: a console account, the password given on standard input. */
    fun consoleUser(name: String, role: String, grid: String, password: String) {
        val p = ProcessBuilder(bin.path, "--db", db.path, "admin", "console-user", "--name", name, "--role", role, "--grid", grid)
            .redirectErrorStream(true).start()
        p.outputStream.use { it.write("$password\n".toByteArray()) }
        val log = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "console-user failed: $log" }
    }

    /** A file in the server's directory, for the admin commands that load one. */
    fun file(name: String, text: String): String = File(dir, name).apply { writeText(text) }.path

    /** `admin plates import-legacy`: plates installed before Gridfield (`text,address_code` lines). */
    fun importLegacy(lines: String) {
        val csv = File(dir, "legacy.csv").apply { writeText("legacy_text,address_code\n$lines") }
        val p = ProcessBuilder(bin.path, "--db", db.path, "admin", "plates", "import-legacy", csv.path)
            .redirectErrorStream(true).start()
        val log = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "import-legacy failed: $log" }
    }

    /** `admin revoke <device>`: a lost phone. */
    fun revoke(deviceId: String) {
        val p = ProcessBuilder(bin.path, "--db", db.path, "admin", "revoke", deviceId).redirectErrorStream(true).start()
        val log = p.inputStream.readBytes().toString(Charsets.UTF_8)
        check(p.waitFor() == 0) { "revoke failed: $log" }
    }

    fun stop() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    override fun close() {
        stop()
        dir.deleteRecursively()
    }
}
