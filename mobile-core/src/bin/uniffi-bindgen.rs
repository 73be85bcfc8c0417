//! The workspace's `uniffi-bindgen`, so the bindings always match the library's UniFFI version.
fn main() {
    uniffi::uniffi_bindgen_main()
}
