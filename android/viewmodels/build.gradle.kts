// Plain Kotlin/JVM module: the view models and the generated UniFFI bindings. No Android
// dependency, so the same sources are compiled and tested on the JVM by
// `cargo xtask test-android-vm` (which does not use Gradle).
//
// The bindings are generated (JVM flavour, `android = false`) by `cargo xtask bindings` into
// `target/bindings/kotlin`; this module compiles them as its own sources. The app swaps the
// JNA jar for the JNA AAR (see app/build.gradle.kts).
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
}

sourceSets {
    main {
        kotlin.srcDir("../../target/bindings/kotlin")
    }
}

dependencies {
    implementation("net.java.dev.jna:jna:5.15.0")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    testImplementation("junit:junit:4.13.2")
}

tasks.test {
    // The tests open real stores: point JNA at the host build of libsolace_ffi
    // (`cargo build -p solace-ffi`) and at the `solace` binary for the sync test.
    systemProperty("jna.library.path", rootProject.file("../target/debug").absolutePath)
    environment("SOLACE_BIN", rootProject.file("../target/debug/solace").absolutePath)
}
