//! Rust host bindings of the C examples' EDL files, for the tests in which
//! a Rust host drives the C enclaves built from the same files.

fn main() {
    for example in ["helloworld", "seal_data"] {
        let edl = secgear_edl::Builder::new(format!("../../examples/c/{example}/{example}.edl"))
            .search_path("../../sdk/include/secGear");
        if let Err(e) = edl.host() {
            panic!("{e}");
        }
    }
}
