// Test support: a supervisor signed in to the real server's web console over HTTP
// (the session cookie, the forms' CSRF token), to decide what phones sent.
package cn.gridfield.data

import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

class ConsoleClient(private val base: String, user: String, password: String) {
    // Redirects are not followed: the session cookie comes on the sign-in's 303.
    private val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
    private val session: String

    init {
        val r = post("/console/login", mapOf("user" to user, "password" to password), cookie = null)
        check(r.statusCode() == 303) { "console sign-in: ${r.statusCode()}" }
        session = r.headers().allValues("set-cookie").map { it.substringBefore(';') }
            .single { it.startsWith("gf_session=") }
    }

    fun get(path: String): String {
        val req = HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", session).GET().build()
        val r = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(r.statusCode() == 200) { "GET $path: ${r.statusCode()}" }
        return r.body()
    }

    /** Submits a form of the page at [pagePath] to [action], with that page's CSRF token. */
    fun submit(pagePath: String, action: String, fields: Map<String, String>): HttpResponse<String> {
        val csrf = Regex("name=\"csrf\" value=\"([^\"]+)\"").find(get(pagePath))?.groupValues?.get(1)
            ?: error("no CSRF token on $pagePath")
        return post(action, fields + ("csrf" to csrf), session)
    }

    private fun post(path: String, fields: Map<String, String>, cookie: String?): HttpResponse<String> {
        val body = fields.entries.joinToString("&") {
            URLEncoder.encode(it.key, Charsets.UTF_8) + "=" + URLEncoder.encode(it.value, Charsets.UTF_8)
        }
        val req = HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .apply { if (cookie != null) header("Cookie", cookie) }
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        return http.send(req, HttpResponse.BodyHandlers.ofString())
    }
}
