//! Handshake cost and record throughput: `cargo bench -p secgear-channel`.
//! Prints a table. Everything runs on one thread, so each time is CPU time
//! on one core.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use secgear_channel::*;
use std::time::{Duration, Instant};

/// Accepts any evidence: the handshake without attestation's cost.
struct AcceptAll;
impl EvidenceVerifier for AcceptAll {
    fn verify(&self, _: &[u8], _: &[u8; 64]) -> std::result::Result<(), Refusal> {
        Ok(())
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn handshake_time(attested: bool, rounds: usize) -> Duration {
    let samples = (0..rounds)
        .map(|_| {
            let key = generate_static_key().expect("key");
            let mut server = if attested {
                SessionTable::new(ServerConfig::new(key, Box::new(evidence_for(MEASUREMENT))))
            } else {
                SessionTable::new(ServerConfig::new(
                    key,
                    Box::new(|_: &[u8; 64]| Ok(Vec::new())),
                ))
            };
            let verifier: Box<dyn EvidenceVerifier> = if attested {
                Box::new(verifier(MEASUREMENT))
            } else {
                Box::new(AcceptAll)
            };
            let mut c = ClientChannel::new(ClientConfig::new(verifier)).expect("client");
            let t = Instant::now();
            handshake(&mut c, &mut server).expect("handshake");
            t.elapsed()
        })
        .collect();
    median(samples)
}

/// Sealing and opening rates (GB/s) for `size`-byte messages, each timed
/// alone: in a deployment each side runs on its own core. Sealed frames are
/// dropped as they would be once sent; the frames to open are made first.
fn throughput(size: usize, to_enclave: bool) -> (f64, f64) {
    let mut server = server_with(MEASUREMENT);
    let mut c = connect(&mut server);
    let message = vec![0x5au8; size];
    let total = (256 << 20) / size;
    let now = Instant::now();
    let seal = |c: &mut ClientChannel, server: &mut SessionTable| {
        if to_enclave {
            c.encrypt(&message).expect("seal")
        } else {
            server.encrypt(&c.session(), &message, now).expect("seal")
        }
    };
    let t = Instant::now();
    for _ in 0..total {
        std::hint::black_box(seal(&mut c, &mut server));
    }
    let sealing = t.elapsed();
    // A fresh session for opening: its frames, made untimed.
    let mut server = server_with(MEASUREMENT);
    let mut c = connect(&mut server);
    let frames: Vec<Vec<Vec<u8>>> = (0..total / 4).map(|_| seal(&mut c, &mut server)).collect();
    let t = Instant::now();
    for message_frames in &frames {
        for frame in message_frames {
            if to_enclave {
                server.decrypt(frame, now).expect("open");
            } else {
                c.decrypt(frame).expect("open");
            }
        }
    }
    let opening = t.elapsed();
    let bytes = (total * size) as f64;
    (
        bytes / sealing.as_secs_f64() / 1e9,
        bytes / 4.0 / opening.as_secs_f64() / 1e9,
    )
}

fn main() {
    let plain = handshake_time(false, 200);
    let attested = handshake_time(true, 50);
    println!("| secure channel (one core) | value | target |");
    println!("|---|---:|---|");
    println!(
        "| handshake, Noise XX only (2 round trips, both sides) | {:.2} ms | ≤ 2 ms ({}) |",
        plain.as_secs_f64() * 1e3,
        if plain <= Duration::from_millis(2) {
            "met"
        } else {
            "missed"
        }
    );
    println!(
        "| handshake with attestation (sim evidence made and verified) | {:.2} ms | — |",
        attested.as_secs_f64() * 1e3
    );
    for size in [16 << 10, 64 << 10] {
        for (label, to_enclave) in [("client → enclave", true), ("enclave → client", false)] {
            let (seal, open) = throughput(size, to_enclave);
            let slower = seal.min(open);
            println!(
                "| records, {} KiB messages, {label}: seal {seal:.2} GB/s, open {open:.2} GB/s | {slower:.2} GB/s | ≥ 1.5 GB/s per core ({}) |",
                size >> 10,
                if slower >= 1.5 { "met" } else { "missed" }
            );
        }
    }
}
