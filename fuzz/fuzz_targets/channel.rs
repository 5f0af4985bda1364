#![no_main]
//! Secure-channel frames from a hostile host: the wire parser, and an
//! enclave session table and a client mid-handshake fed arbitrary bytes.

use secgear_channel::{
    ClientChannel, ClientConfig, EvidenceVerifier, Refusal, ServerConfig, SessionTable,
    generate_static_key, wire,
};
use std::sync::OnceLock;
use std::time::Instant;

struct Refuse;
impl EvidenceVerifier for Refuse {
    fn verify(&self, _: &[u8], _: &[u8; 64]) -> Result<(), Refusal> {
        Err(Refusal::Evidence("fuzzing".into()))
    }
}

fn server_key() -> &'static (zeroize::Zeroizing<Vec<u8>>, Vec<u8>) {
    static KEY: OnceLock<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>)> = OnceLock::new();
    KEY.get_or_init(|| generate_static_key().expect("key"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = wire::parse(data);
    let _ = wire::split(data);
    let _ = wire::RecordHeader::decode(data);
    let mut table = SessionTable::new(ServerConfig::new(
        server_key().clone(),
        Box::new(|_: &[u8; 64]| Ok(Vec::new())),
    ));
    let _ = table.handshake(data, Instant::now());
    let _ = table.decrypt(data, Instant::now());
    if let Ok(mut client) = ClientChannel::new(ClientConfig::new(Box::new(Refuse))) {
        if client.start().is_ok() {
            let _ = client.handle_message(data);
        }
    }
});
