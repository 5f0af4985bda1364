fn main() {
    if let Err(e) = secgear_edl::Builder::new("../seal_data.edl").enclave() {
        panic!("{e}");
    }
}
