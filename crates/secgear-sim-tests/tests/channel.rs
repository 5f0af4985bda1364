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

/// How a handshake through the host ended.
#[derive(Debug)]
enum Handshake {
    /// The enclave admitted the client, which still owes it these frames
    /// (its own evidence, under mutual attestation): they travel with the
    /// first records.
    Admitted(Box<ClientChannel>, Vec<u8>),
    /// The enclave refused a frame of the handshake (its built-in call failed).
    Refused(ErrorCode),
    /// The client gave up (it refused the enclave, or never finished).
    Failed(#[allow(dead_code)] ChannelError),
}

/// Runs a handshake with `config`, relaying every frame as a host would.
fn handshake(enclave: &Enclave, config: ClientConfig) -> Handshake {
    let mut c = match ClientChannel::new(config) {
        Ok(c) => c,
        Err(e) => return Handshake::Failed(e),
    };
    let mut outgoing = match c.start() {
        Ok(hello) => vec![hello],
        Err(e) => return Handshake::Failed(e),
    };
    let mut owed = None;
    while let Some(frame) = outgoing.pop() {
        let reply = match enclave.channel_handshake(&frame) {
            Ok(reply) => reply,
            Err(e) => return Handshake::Refused(e.kind()),
        };
        let frames = match wire::split(&reply) {
            Ok(frames) => frames,
            Err(e) => return Handshake::Failed(e),
        };
        for f in frames {
            match c.handle_message(f) {
                Ok(Event::Send(frames)) => outgoing.extend(frames),
                Ok(Event::Established(frames)) => owed = Some(frames.concat()),
                Ok(_) => {}
                Err(e) => return Handshake::Failed(e),
            }
        }
    }
    match owed {
        Some(owed) => Handshake::Admitted(Box::new(c), owed),
        None => Handshake::Failed(ChannelError::NotEstablished),
    }
}

/// Whether the enclave serves `c`: a record (after the frames the client
/// still owed) that it opens and answers.
fn served(enclave: &Enclave, c: &mut ClientChannel, owed: &[u8]) -> bool {
    let frames = [
        owed,
        &c.encrypt(&numbers(&[20, 22])).expect("seal").concat(),
    ]
    .concat();
    let mut reply = vec![0u8; 1 << 16];
    let mut len = 0usize;
    let status = Client::new(enclave)
        .channel_sum(&frames, &mut reply, &mut len)
        .expect("ECALL");
    status == 0 && len > 0
}

fn client_config(key: Option<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>)>) -> ClientConfig {
    let mut config = ClientConfig::new(Box::new(verifier(secgear_sim_tests::ENCLAVE_MEASUREMENT)));
    config.static_key = key;
    config
}

#[test]
fn an_enclave_with_a_client_allow_list_serves_only_those_clients() {
    let e = start(1);
    let allowed = secgear_channel::generate_static_key().expect("key");
    let status = Client::new(&*e)
        .channel_configure(1, &allowed.1)
        .expect("configure");
    assert_eq!(status, 0);
    let stranger = secgear_channel::generate_static_key().expect("key");
    for key in [None, Some(stranger)] {
        let outcome = handshake(&e, client_config(key));
        assert!(
            matches!(outcome, Handshake::Refused(ErrorCode::Security)),
            "a client off the list is refused inside the enclave: {outcome:?}"
        );
    }
    let Handshake::Admitted(mut friend, owed) = handshake(&e, client_config(Some(allowed))) else {
        panic!("the allowed client is admitted");
    };
    assert!(served(&e, &mut friend, &owed));
}

/// Evidence the test enclave's client verifier accepts when `honest`.
struct TestClientEvidence {
    honest: bool,
}

impl secgear_channel::EvidenceProvider for TestClientEvidence {
    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, secgear_channel::EvidenceError> {
        let binding = if self.honest { *report_data } else { [0; 64] };
        Ok([b"client:".as_slice(), &binding].concat())
    }
}

#[test]
fn an_enclave_requiring_mutual_attestation_refuses_clients_without_it() {
    let e = start(1);
    assert_eq!(
        Client::new(&*e)
            .channel_configure(2, &[])
            .expect("configure"),
        0
    );
    for own in [None, Some(false)] {
        let mut config = client_config(None);
        config.own_evidence = own.map(|honest| Box::new(TestClientEvidence { honest }) as Box<_>);
        // The enclave's half of the handshake is the same for everyone; it
        // refuses to serve a client until that client's evidence passes.
        let Handshake::Admitted(mut c, owed) = handshake(&e, config) else {
            panic!("{own:?}: the client reaches the enclave");
        };
        assert!(
            !served(&e, &mut c, &owed),
            "{own:?}: refused inside the enclave"
        );
    }
    let mut config = client_config(None);
    config.own_evidence = Some(Box::new(TestClientEvidence { honest: true }));
    let Handshake::Admitted(mut c, owed) = handshake(&e, config) else {
        panic!("the attested client is admitted");
    };
    assert!(!owed.is_empty(), "the client's evidence is owed");
    assert!(served(&e, &mut c, &owed));
}

#[test]
fn the_channel_cannot_be_reconfigured_once_it_serves() {
    let e = start(1);
    let mut c = connect(&e, secgear_sim_tests::ENCLAVE_MEASUREMENT).expect("channel");
    assert!(served(&e, &mut c, &[]));
    assert_eq!(
        Client::new(&*e)
            .channel_configure(0, &[])
            .expect("configure") as u32,
        ErrorCode::BadState.code()
    );
}
