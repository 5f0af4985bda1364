fn main() {
    let edl = secgear_edl::Builder::new("edl/kitchen.edl").search_path("edl/lib");
    if let Err(e) = edl.host().and_then(|_| edl.enclave()) {
        panic!("{e}");
    }
}
