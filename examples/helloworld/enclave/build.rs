fn main() {
    if let Err(e) = secgear_edl::Builder::new("../helloworld.edl").enclave() {
        panic!("{e}");
    }
}
