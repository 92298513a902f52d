// The Android build: the plain-JVM data module (also tested on a desktop JVM) and
// the Compose app that ships it with the Rust library for each phone ABI.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "gridfield-android"
include(":jvm", ":app")
