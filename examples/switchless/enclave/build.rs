fn main() {
    if let Err(e) = secgear_edl::Builder::new("../switchless.edl").enclave() {
        panic!("{e}");
    }
}
