fn main() {
    for edl in ["tests.edl", "hostile/probe.edl"] {
        if let Err(e) = secgear_edl::Builder::new(edl).host() {
            panic!("{e}");
        }
    }
    // The hostile images first: the image constants `include_enclave_image!`
    // reads are the last build's, the test enclave's.
    for (bin, var) in [
        ("probe-entry", "SECGEAR_PROBE_ENTRY_IMAGE"),
        ("probe-no-entry", "SECGEAR_PROBE_NO_ENTRY_IMAGE"),
        ("rogue", "SECGEAR_ROGUE_IMAGE"),
    ] {
        match secgear_build::EnclaveBuild::new("hostile")
            .bin(bin)
            .watch("../secgear-enclave")
            .watch("../secgear-sim")
            .build()
        {
            Ok(built) => println!("cargo:rustc-env={var}={}", built.image.display()),
            Err(e) => panic!("{e}"),
        }
    }
    if let Err(e) = secgear_build::EnclaveBuild::new("enclave")
        .watch("../secgear-enclave")
        .watch("../secgear-sim")
        .build()
    {
        panic!("{e}");
    }
}
