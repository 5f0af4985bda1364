fn main() {
    if let Err(e) = secgear_edl::Builder::new("tests.edl").host() {
        panic!("{e}");
    }
    if let Err(e) = secgear_build::EnclaveBuild::new("enclave")
        .watch("../secgear-enclave")
        .watch("../secgear-sim")
        .build()
    {
        panic!("{e}");
    }
}
