//! The bindings generator at exactly the uniffi version the library is built with
//! (a mismatch between the two is the classic source of checksum failures).

fn main() {
    uniffi::uniffi_bindgen_main()
}
