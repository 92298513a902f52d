// Desktop test build only (android/jvm/scripts/test.sh): Debian's kotlinx-coroutines
// (1.0.1) predates this opt-in marker, which the generated bindings import. Compiled
// only when the jar on the classpath lacks it; Gradle builds use the real library.
package kotlinx.coroutines

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
@Retention(AnnotationRetention.BINARY)
annotation class DelicateCoroutinesApi
