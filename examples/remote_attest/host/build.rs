fn main() {
    // The enclave being attested is the helloworld example's.
    let enclave = secgear_build::EnclaveBuild::new("../../helloworld/enclave")
        .watch("../../../crates")
        .build();
    if let Err(e) = enclave {
        panic!("{e}");
    }
}
