fn main() {
    if let Err(e) = secgear_edl::Builder::new("../secure_channel.edl").host() {
        panic!("{e}");
    }
    let enclave = secgear_build::EnclaveBuild::new("../enclave")
        .watch("../../../crates")
        .build();
    if let Err(e) = enclave {
        panic!("{e}");
    }
}
