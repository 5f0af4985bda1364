fn main() {
    for edl in ["probe.edl", "../tests.edl"] {
        if let Err(e) = secgear_edl::Builder::new(edl).enclave() {
            panic!("{e}");
        }
    }
}
