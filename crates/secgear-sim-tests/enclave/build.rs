fn main() {
    if let Err(e) = secgear_edl::Builder::new("../tests.edl").enclave() {
        panic!("{e}");
    }
}
