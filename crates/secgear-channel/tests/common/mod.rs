//! A client and an enclave session table wired through a function that
//! plays the host (and, in the adversarial tests, the attacker).
#![allow(dead_code)]

use p384::ecdsa::SigningKey;
use secgear_attest::reference::ReferenceValue;
use secgear_attest::{Appraiser, Mode, ReferenceValues, TeeKind, TrustAnchors};
use secgear_channel::*;
use secgear_sim::evidence::{Claims, platform_id, sign};
use std::time::Instant;

pub const MEASUREMENT: [u8; 32] = [7; 32];

pub fn platform() -> SigningKey {
    SigningKey::from_slice(&[11u8; 48]).expect("key")
}

/// Simulated evidence for `measurement` over `report_data`.
pub fn evidence_for(
    measurement: [u8; 32],
) -> impl Fn(&[u8; 64]) -> std::result::Result<Vec<u8>, String> + Send + Sync {
    move |report_data: &[u8; 64]| {
        let key = platform();
        let claims = Claims {
            measurement,
            signer_id: [2; 32],
            product_id: 1,
            svn: 1,
            debug: false,
            report_data: *report_data,
            platform_id: platform_id(key.verifying_key()),
            issued_at: 1_700_000_000,
        };
        Ok(sign(&claims, &key))
    }
}

/// A verifier that expects `measurement` on the test platform.
pub fn verifier(measurement: [u8; 32]) -> AppraisalVerifier {
    let mut anchors = TrustAnchors::default();
    anchors.add_sim_key(platform().verifying_key().to_sec1_bytes().to_vec());
    let mut refs = ReferenceValues::new();
    refs.add(ReferenceValue::new(
        "sim.measurement",
        serde_json::json!(hex::encode(measurement)),
    ))
    .expect("ref");
    AppraisalVerifier {
        appraiser: Appraiser::new(anchors, refs, Mode::Development),
        tee: TeeKind::Sim,
    }
}

/// An enclave's configuration: a fresh key, evidence for `measurement`.
pub fn server_config(measurement: [u8; 32]) -> ServerConfig {
    let key = generate_static_key().expect("key");
    ServerConfig::new(key, Box::new(evidence_for(measurement)))
}

pub fn server_with(measurement: [u8; 32]) -> SessionTable {
    SessionTable::new(server_config(measurement))
}

/// A connected client and enclave that rekey every `records` records.
pub fn connect_rekeying(records: u64) -> (ClientChannel, SessionTable) {
    let mut config = server_config(MEASUREMENT);
    config.rekey_after = records;
    let mut server = SessionTable::new(config);
    let mut cfg = ClientConfig::new(Box::new(verifier(MEASUREMENT)));
    cfg.rekey_after = records;
    let mut c = ClientChannel::new(cfg).expect("client");
    handshake(&mut c, &mut server).expect("handshake");
    (c, server)
}

pub fn client() -> ClientChannel {
    ClientChannel::new(ClientConfig::new(Box::new(verifier(MEASUREMENT)))).expect("client")
}

/// Runs the handshake through an honest host; returns the client.
pub fn connect(server: &mut SessionTable) -> ClientChannel {
    let mut c = client();
    handshake(&mut c, server).expect("handshake");
    c
}

pub fn handshake(c: &mut ClientChannel, server: &mut SessionTable) -> Result<()> {
    let now = Instant::now();
    let hello = c.start()?;
    let reply = server.handshake(&hello, now)?;
    let Event::Send(msg3) = c.handle_message(&reply[0])? else {
        return Err(ChannelError::Malformed("expected message 3"));
    };
    let attest = server.handshake(&msg3[0], now)?;
    match c.handle_message(&attest[0])? {
        Event::Established(_) => Ok(()),
        _ => Err(ChannelError::Malformed("expected establishment")),
    }
}
