//! The secure channel into a real sim enclave: the handshake through the
//! built-in call, records through an ECALL, tampering refused inside.

mod common;
use common::start;
use secgear_attest::reference::ReferenceValue;
use secgear_channel::{AppraisalVerifier, ChannelError, ClientChannel, ClientConfig, Event, wire};
use secgear_host::{Enclave, ErrorCode, SimPlatform};
use secgear_sim_tests::edl::Client;

fn verifier(measurement: [u8; 32]) -> AppraisalVerifier {
    let platform = SimPlatform::open(common::state_dir()).expect("platform");
    let mut anchors = secgear_attest::TrustAnchors::default();
    anchors.add_sim_key(platform.public_key().to_sec1_bytes().to_vec());
    let mut refs = secgear_attest::ReferenceValues::new();
    refs.add(ReferenceValue::new(
        "sim.measurement",
        serde_json::json!(hex::encode(measurement)),
    ))
    .expect("ref");
    AppraisalVerifier {
        appraiser: secgear_attest::Appraiser::new(anchors, refs, secgear_attest::Mode::Development),
        tee: secgear_attest::TeeKind::Sim,
    }
}

fn connect(enclave: &Enclave, measurement: [u8; 32]) -> Result<ClientChannel, ChannelError> {
    let mut c = ClientChannel::new(ClientConfig::new(Box::new(verifier(measurement))))?;
    let mut outgoing = vec![c.start()?];
    while let Some(frame) = outgoing.pop() {
        let reply = enclave.channel_handshake(&frame).expect("built-in call");
        for f in wire::split(&reply)? {
            match c.handle_message(f)? {
                Event::Send(frames) => outgoing.extend(frames),
                Event::Established(_) => return Ok(c),
                _ => {}
            }
        }
    }
    Err(ChannelError::NotEstablished)
}

/// Sends numbers; the enclave's status and its decrypted answer.
fn sum(enclave: &Enclave, c: &mut ClientChannel, frames: &[u8]) -> (i32, Option<String>) {
    let mut reply = vec![0u8; 1 << 16];
    let mut len = 0usize;
    let status = Client::new(enclave)
        .channel_sum(frames, &mut reply, &mut len)
        .expect("ECALL");
    let mut answer = None;
    for f in wire::split(&reply[..len]).expect("frames") {
        if let Some(m) = c.decrypt(f).expect("reply decrypts") {
            answer = Some(String::from_utf8_lossy(&m).into_owned());
        }
    }
    (status, answer)
}

fn numbers(ns: &[u64]) -> Vec<u8> {
    ns.iter().flat_map(|n| n.to_le_bytes()).collect()
}

#[test]
fn a_client_attests_the_enclave_and_the_enclave_refuses_tampering() {
    let e = start(2);
    let mut c = connect(&e, secgear_sim_tests::ENCLAVE_MEASUREMENT).expect("attested channel");
    let frames = c.encrypt(&numbers(&[1, 2, 3])).expect("seal").concat();
    assert_eq!(sum(&e, &mut c, &frames), (0, Some("sum=6".into())));

    // A host that replays or flips a record gets a refusal from inside the enclave.
    let (status, answer) = sum(&e, &mut c, &frames);
    assert_eq!((status as u32, answer), (ErrorCode::Security.code(), None));
    let genuine = c.encrypt(&numbers(&[40, 2])).expect("seal").concat();
    let mut flipped = genuine.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        sum(&e, &mut c, &flipped).0 as u32,
        ErrorCode::Security.code()
    );
    // The session goes on (the refused records changed nothing)...
    assert_eq!(sum(&e, &mut c, &genuine), (0, Some("sum=42".into())));
    // ...until the client closes it.
    let close = c.close().expect("close");
    assert_eq!(sum(&e, &mut c, &close).0, 1);
}

#[test]
fn a_client_expecting_another_enclave_refuses_this_one() {
    let e = start(1);
    assert!(matches!(
        connect(&e, [0xee; 32]),
        Err(ChannelError::EvidenceRefused(_))
    ));
}

#[test]
fn the_host_cannot_make_the_enclave_sign_a_runtime_binding() {
    let e = start(1);
    // The generic report call refuses report data under the tags the runtime
    // keeps for its own bindings: a host running its own handshake with a
    // client cannot get evidence for it.
    for tag in [
        secgear_channel::binding::REPORT_TAG,
        secgear_tee_key::REPORT_TAG,
    ] {
        let mut data = [0x11u8; 64];
        data[32..].copy_from_slice(&tag);
        let err = e.report(&data).expect_err("reserved");
        assert_eq!(err.kind(), ErrorCode::AccessDenied, "{err}");
    }
    assert!(e.report(&[0x11; 64]).is_ok(), "other report data is fine");
}
