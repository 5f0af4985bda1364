fn main() {
    let kitchen = secgear_edl::Builder::new("edl/kitchen.edl").search_path("edl/lib");
    let hello = secgear_edl::Builder::new("../../examples/helloworld/helloworld.edl");
    for result in [
        kitchen.host(),
        kitchen.enclave(),
        hello.host(),
        hello.enclave(),
    ] {
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
