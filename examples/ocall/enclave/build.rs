fn main() {
    if let Err(e) = secgear_edl::Builder::new("../ocall.edl").enclave() {
        panic!("{e}");
    }
}
