// Solace Android app. Open this directory (`android/`) in Android Studio.
//
// Modules:
//   :viewmodels  plain Kotlin/JVM: all state and presentation logic, over the generated bindings.
//                Compiled and tested on this repository's CI with `cargo xtask test-android-vm`.
//   :app         the thin Android layer: Compose screens, Keystore, WorkManager, notifications.
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
rootProject.name = "Solace"
include(":app", ":viewmodels")
