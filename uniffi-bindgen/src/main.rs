//! The UniFFI binding generator, built from this workspace so its version always matches the
//! `uniffi` the library was compiled with: `cargo run -p uniffi-bindgen -- generate --library
//! target/debug/libsolace_ffi.so --language kotlin --out-dir DIR` (or `cargo xtask bindings`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
