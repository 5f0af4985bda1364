//! Rust host bindings of the C helloworld's EDL, for the test in which a
//! Rust host drives the C enclave built from the same file.

fn main() {
    let edl = secgear_edl::Builder::new("../../examples/c/helloworld/helloworld.edl")
        .search_path("../../sdk/include/secGear");
    if let Err(e) = edl.host() {
        panic!("{e}");
    }
}
