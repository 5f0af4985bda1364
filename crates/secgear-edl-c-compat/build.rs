fn main() {
    let compat = secgear_edl::Builder::new("edl/compat.edl");
    for result in [compat.host(), compat.enclave()] {
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
