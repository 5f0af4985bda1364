fn main() {
    if let Err(e) = secgear_edl::Builder::new("../secure_channel.edl").enclave() {
        panic!("{e}");
    }
}
