// Gradle build of the plain Kotlin/JVM module: the generated uniffi bindings plus the
// app's non-UI layer (cn.gridfield.data). The same sources are compiled and tested
// without Gradle by scripts/test.sh; this build is what the Android app consumes.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
}

val repoRoot: File = rootProject.projectDir.parentFile
// Debug by default (fast host build); `-Pgridfield.release` for release bindings.
val ffiProfile = if (providers.gradleProperty("gridfield.release").isPresent) "release" else "debug"

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

sourceSets {
    main {
        kotlin.srcDir("src/generated/kotlin")
    }
}

dependencies {
    // The app ships JNA as an aar (with its native dispatch library for each ABI);
    // a plain jar here would clash with it.
    compileOnly(libs.jna)
    // The bindings' async functions (sync, photo, enroll) are Kotlin `suspend`.
    implementation(libs.kotlinx.coroutines.core)
    testImplementation(libs.jna)
    testImplementation(libs.junit)
    testImplementation(libs.kotlin.test.junit)
}

// The bindings are generated from the built library, never committed: build the host
// library and run uniffi-bindgen in library mode whenever the Rust side changes.
val generateBindings by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds gridfield-ffi for this machine and generates the Kotlin bindings"
    workingDir = repoRoot
    commandLine(buildList {
        add(File(repoRoot, "bindings/generate.sh").path)
        if (ffiProfile == "release") add("--release")
    })
    inputs.dir(File(repoRoot, "bindings/src"))
    inputs.dir(File(repoRoot, "core/src"))
    inputs.file(File(repoRoot, "bindings/uniffi.toml"))
    inputs.file(File(repoRoot, "Cargo.lock"))
    outputs.dir(layout.projectDirectory.dir("src/generated/kotlin"))
}

tasks.named("compileKotlin") {
    dependsOn(generateBindings)
}

// The tests drive the real library and a real gridfield-server process.
val buildServer by tasks.registering(Exec::class) {
    group = "verification"
    description = "Builds the gridfield-server binary the round-trip tests start"
    workingDir = repoRoot
    commandLine("cargo", "build", "--locked", "--quiet", "-p", "gridfield-server", "--bin", "gridfield-server")
}

tasks.named<Test>("test") {
    dependsOn(generateBindings, buildServer)
    systemProperty("jna.library.path", File(repoRoot, "target/$ffiProfile").path)
    systemProperty("gridfield.root", repoRoot.path)
    systemProperty("gridfield.server", File(repoRoot, "target/debug/gridfield-server").path)
}
