// The Gridfield Android app: Compose screens over the :jvm data layer, with the Rust
// core (libgridfield_ffi.so) cross-compiled by cargo-ndk for each phone ABI.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val repoRoot: File = rootProject.projectDir.parentFile
val jniLibsDir: File = file("src/main/jniLibs")

android {
    namespace = "cn.gridfield.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "cn.gridfield.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        compose = true
    }

    packaging {
        jniLibs {
            // The Rust library is already stripped by its release profile.
            keepDebugSymbols += "**/libgridfield_ffi.so"
        }
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

dependencies {
    implementation(project(":jvm"))
    // JNA as an aar: the jar's desktop natives do not load on Android.
    implementation(libs.jna) { artifact { type = "aar" } }

    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.androidx.exifinterface)
    implementation(libs.kotlinx.coroutines.android)

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.ui.graphics)
    implementation(libs.compose.ui.tooling.preview)
    implementation(libs.compose.material3)
    implementation(libs.compose.material.icons)
    debugImplementation(libs.compose.ui.tooling)

    implementation(libs.camerax.core)
    implementation(libs.camerax.camera2)
    implementation(libs.camerax.lifecycle)
    implementation(libs.camerax.view)
    implementation(libs.camerax.mlkit.vision)
    // The bundled ML Kit model: works offline and without Google Play services,
    // which most phones in mainland China do not have.
    implementation(libs.mlkit.barcode.scanning)
}

// Cross-compiles the Rust core for the phone ABIs into src/main/jniLibs, where AGP
// packages it. Needs the Android NDK, the Rust Android targets and cargo-ndk.
val cargoNdk by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds libgridfield_ffi.so for arm64-v8a, armeabi-v7a and x86_64"
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniLibsDir.path,
        "build", "--release", "-p", "gridfield-ffi",
    )
    inputs.dir(File(repoRoot, "bindings/src"))
    inputs.dir(File(repoRoot, "core/src"))
    inputs.file(File(repoRoot, "Cargo.lock"))
    outputs.dir(jniLibsDir)
}

tasks.named("preBuild") {
    dependsOn(cargoNdk)
}
