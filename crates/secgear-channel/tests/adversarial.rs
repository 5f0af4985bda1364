//! A malicious host in the middle: every attack is refused with its own
//! error, and other sessions (and, for record attacks, the attacked
//! session itself) carry on.

mod common;
use common::*;
use secgear_channel::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn now() -> Instant {
    Instant::now()
}

fn deliver(server: &mut SessionTable, frame: &[u8]) -> Result<Delivered> {
    server.decrypt(frame, now()).map(|(_, d)| d)
}

/// Sends `msg` from client to server and checks it arrives.
fn round_trip(c: &mut ClientChannel, server: &mut SessionTable, msg: &[u8]) {
    let frames = c.encrypt(msg).expect("seal");
    let mut got = None;
    for f in &frames {
        if let Delivered::Message(m) = deliver(server, f).expect("open") {
            got = Some(m);
        }
    }
    assert_eq!(got.as_deref(), Some(msg));
    let reply = server.encrypt(&c.session(), msg, now()).expect("seal");
    let mut back = None;
    for f in &reply {
        back = back.or(c.decrypt(f).expect("open"));
    }
    assert_eq!(back.as_deref(), Some(msg));
}

/// Records whatever evidence it is shown, and accepts it.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);
impl EvidenceVerifier for Capture {
    fn verify(&self, evidence: &[u8], _: &[u8; 64]) -> std::result::Result<(), Refusal> {
        if let Ok(mut c) = self.0.lock() {
            *c = evidence.to_vec();
        }
        Ok(())
    }
}

#[test]
fn key_substitution_by_a_host_in_the_middle_is_detected() {
    let mut enclave = server_with(MEASUREMENT);
    // The host opens its own session with the real enclave and keeps the
    // genuine evidence it is sent...
    let captured = Capture::default();
    let mut host_as_client =
        ClientChannel::new(ClientConfig::new(Box::new(captured.clone()))).expect("client");
    handshake(&mut host_as_client, &mut enclave).expect("host's own session");
    let genuine = captured.0.lock().expect("lock").clone();
    assert!(!genuine.is_empty());
    // ...and answers the client with its own keys and that evidence.
    let relay = move |_: &[u8; 64]| Ok(genuine.clone());
    let mut impostor = SessionTable::new(ServerConfig::new(
        generate_static_key().expect("key"),
        Box::new(relay),
    ));
    let mut victim = client();
    assert_eq!(
        handshake(&mut victim, &mut impostor),
        Err(ChannelError::BindingMismatch)
    );
    assert!(!victim.is_established());
    assert!(
        victim.encrypt(b"secret").is_err(),
        "nothing is sent to the impostor"
    );
    // Evidence the host makes itself (an unknown platform) is refused too.
    let forged = SessionTable::new(ServerConfig::new(
        generate_static_key().expect("key"),
        Box::new(|_: &[u8; 64]| Ok(b"not evidence".to_vec())),
    ));
    let mut forged = forged;
    let mut victim = client();
    assert!(matches!(
        handshake(&mut victim, &mut forged),
        Err(ChannelError::EvidenceRefused(_))
    ));
}

#[test]
fn a_wrong_measurement_is_refused() {
    let mut other_enclave = server_with([8; 32]);
    let mut c = client();
    let err = handshake(&mut c, &mut other_enclave).expect_err("wrong enclave");
    assert!(
        matches!(&err, ChannelError::EvidenceRefused(why) if why.contains("warning") || why.contains("contraindicated")),
        "{err:?}"
    );
}

#[test]
fn replayed_reordered_reflected_truncated_and_flipped_records_are_refused() {
    let mut server = server_with(MEASUREMENT);
    let mut a = connect(&mut server);
    let mut b = connect(&mut server);

    // Replay.
    let r1 = a.encrypt(b"one").expect("seal").remove(0);
    assert!(matches!(
        deliver(&mut server, &r1),
        Ok(Delivered::Message(_))
    ));
    assert_eq!(
        deliver(&mut server, &r1),
        Err(ChannelError::Replayed {
            got: 0,
            expected: 1
        })
    );

    // Reorder.
    let r2 = a.encrypt(b"two").expect("seal").remove(0);
    let r3 = a.encrypt(b"three").expect("seal").remove(0);
    assert_eq!(
        deliver(&mut server, &r3),
        Err(ChannelError::OutOfOrder {
            got: 2,
            expected: 1
        })
    );
    assert_eq!(
        deliver(&mut server, &r2),
        Ok(Delivered::Message(b"two".to_vec()))
    );
    assert_eq!(
        deliver(&mut server, &r3),
        Ok(Delivered::Message(b"three".to_vec()))
    );

    // Reflection: the enclave's own record sent back to it, and the client's to the client.
    let from_enclave = server
        .encrypt(&a.session(), b"hi", now())
        .expect("seal")
        .remove(0);
    assert_eq!(
        deliver(&mut server, &from_enclave),
        Err(ChannelError::Reflected)
    );
    let from_client = a.encrypt(b"hi").expect("seal").remove(0);
    assert_eq!(a.decrypt(&from_client), Err(ChannelError::Reflected));
    assert_eq!(a.decrypt(&from_enclave), Ok(Some(b"hi".to_vec())));

    // Truncation: a byte short, and a header claiming less data.
    assert_eq!(
        deliver(&mut server, &from_client[..from_client.len() - 1]),
        Err(ChannelError::Truncated)
    );
    let mut short = from_client.clone();
    let length_at = wire::FRAME_HEADER + 12;
    short[length_at] = short[length_at].wrapping_sub(1);
    assert_eq!(deliver(&mut server, &short), Err(ChannelError::Truncated));

    // Bit flips in the ciphertext, the type, and the counter.
    let mut flipped = from_client.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    assert_eq!(deliver(&mut server, &flipped), Err(ChannelError::Tampered));
    let mut retyped = from_client.clone();
    retyped[wire::FRAME_HEADER + 9] = 3; // DATA → CLOSE
    assert_eq!(deliver(&mut server, &retyped), Err(ChannelError::Tampered));
    let mut recounted = from_client.clone();
    recounted[wire::FRAME_HEADER] ^= 0x04;
    assert!(matches!(
        deliver(&mut server, &recounted),
        Err(ChannelError::OutOfOrder { .. })
    ));
    // The genuine record still goes through: refusals changed nothing.
    assert_eq!(
        deliver(&mut server, &from_client),
        Ok(Delivered::Message(b"hi".to_vec()))
    );

    // A record moved to another session fails there, and both sessions go on.
    let for_a = a.encrypt(b"for a").expect("seal").remove(0);
    let mut moved = for_a.clone();
    moved[8..24].copy_from_slice(&b.session());
    assert!(deliver(&mut server, &moved).is_err());
    assert_eq!(
        deliver(&mut server, &for_a),
        Ok(Delivered::Message(b"for a".to_vec()))
    );
    round_trip(&mut a, &mut server, b"a still works");
    round_trip(&mut b, &mut server, b"b never noticed");
}

#[test]
fn a_forged_teardown_ends_nothing_and_a_real_close_ends_only_its_session() {
    let mut server = server_with(MEASUREMENT);
    let mut a = connect(&mut server);
    let mut b = connect(&mut server);
    // The host forges a CLOSE for session a: a record of type CLOSE with
    // made-up ciphertext.
    let mut record = [0u8; wire::RECORD_HEADER + wire::RECORD_HEADER + wire::TAG];
    record[8] = 0; // from the client
    record[9] = 3; // CLOSE
    record[10] = 1;
    let forged = wire::frame(wire::Kind::Record, &a.session(), &record);
    assert_eq!(deliver(&mut server, &forged), Err(ChannelError::Tampered));
    // Nor can it reject an established client.
    let reject = wire::frame(wire::Kind::Reject, &[0; 16], b"go away");
    assert!(a.handle_message(&reject).is_err());
    assert!(a.is_established());
    round_trip(&mut a, &mut server, b"still here");

    // An authenticated close ends a, not b.
    let close = a.close().expect("close");
    assert_eq!(deliver(&mut server, &close), Ok(Delivered::Closed));
    let late = server.encrypt(&a.session(), b"x", now());
    assert_eq!(late, Err(ChannelError::UnknownSession));
    round_trip(&mut b, &mut server, b"b goes on");
}

#[test]
fn version_downgrades_are_refused() {
    let mut server = server_with(MEASUREMENT);
    let mut c = client();
    let mut hello = c.start().expect("hello");
    hello[4] = 0;
    assert_eq!(
        server.handshake(&hello, now()),
        Err(ChannelError::UnsupportedVersion(0))
    );
    let mut a = connect(&mut server);
    let mut record = a.encrypt(b"x").expect("seal").remove(0);
    record[4] = 0;
    assert_eq!(
        deliver(&mut server, &record),
        Err(ChannelError::UnsupportedVersion(0))
    );
}

#[test]
fn a_handshake_flood_is_refused_before_any_key_work() {
    let mut config = server_config(MEASUREMENT);
    config.max_handshakes = 4;
    let mut server = SessionTable::new(config);
    for _ in 0..4 {
        let mut c = client();
        let reply = server
            .handshake(&c.start().expect("hello"), now())
            .expect("reply");
        assert_eq!(
            wire::parse(&reply[0]).expect("frame").kind,
            wire::Kind::Handshake
        );
    }
    let mut c = client();
    let reply = server
        .handshake(&c.start().expect("hello"), now())
        .expect("reply");
    assert_eq!(
        wire::parse(&reply[0]).expect("frame").kind,
        wire::Kind::Reject
    );
    assert!(matches!(
        c.handle_message(&reply[0]),
        Err(ChannelError::Rejected(_))
    ));
    // Unfinished handshakes expire quickly, and room comes back.
    server.expire(now() + Duration::from_secs(11));
    assert!(server.is_empty());
    connect(&mut server);
}

#[test]
fn client_keys_can_be_required_and_mutual_attestation_works() {
    let known = generate_static_key().expect("key");
    let mut config = server_config(MEASUREMENT);
    config.client_keys = Some(vec![known.1.clone()]);
    config.client_verifier = Some(Box::new(verifier([9; 32])));
    let mut server = SessionTable::new(config);
    let mut stranger = client();
    assert_eq!(
        handshake(&mut stranger, &mut server),
        Err(ChannelError::UnknownPeerKey)
    );

    let mut cfg = ClientConfig::new(Box::new(verifier(MEASUREMENT)));
    cfg.static_key = Some(known);
    cfg.own_evidence = Some(Box::new(evidence_for([9; 32])));
    let mut c = ClientChannel::new(cfg).expect("client");
    let hello = c.start().expect("hello");
    let reply = server.handshake(&hello, now()).expect("reply");
    let Ok(Event::Send(msg3)) = c.handle_message(&reply[0]) else {
        panic!("expected message 3");
    };
    let attest = server.handshake(&msg3[0], now()).expect("attest");
    let Ok(Event::Established(own)) = c.handle_message(&attest[0]) else {
        panic!("expected establishment");
    };
    assert_eq!(own.len(), 1, "the client's evidence");
    assert_eq!(deliver(&mut server, &own[0]), Ok(Delivered::Partial));
    round_trip(&mut c, &mut server, b"both attested");
}

#[test]
fn rekeying_is_transparent_and_large_messages_are_chunked() {
    let (mut c, mut server) = connect_rekeying(3);
    for i in 0..20u8 {
        round_trip(&mut c, &mut server, &[i; 100]);
    }
    let big = vec![7u8; 3 * wire::MAX_CHUNK + 5];
    let frames = c.encrypt(&big).expect("seal");
    assert_eq!(frames.len(), 4, "four chunks");
    let delivered: Vec<Delivered> = frames
        .iter()
        .map(|f| deliver(&mut server, f).expect("open"))
        .collect();
    assert_eq!(
        delivered[..3],
        [Delivered::Partial, Delivered::Partial, Delivered::Partial]
    );
    assert_eq!(delivered[3], Delivered::Message(big.clone()));
    round_trip(&mut c, &mut server, &big);
}

#[test]
fn an_oversized_message_is_refused_and_its_tail_is_never_delivered() {
    let mut config = server_config(MEASUREMENT);
    config.max_message = 100_000;
    let mut server = SessionTable::new(config);
    let mut c = connect(&mut server);
    let frames = c.encrypt(&vec![1u8; 3 * wire::MAX_CHUNK]).expect("seal");
    let results: Vec<_> = frames.iter().map(|f| deliver(&mut server, f)).collect();
    assert_eq!(results[0], Ok(Delivered::Partial));
    assert_eq!(results[1], Err(ChannelError::TooLarge(2 * wire::MAX_CHUNK)));
    assert_eq!(
        results[2],
        Ok(Delivered::Partial),
        "the tail is dropped, not delivered"
    );
    round_trip(&mut c, &mut server, b"the next message is whole");
}

#[test]
fn mismatched_record_settings_fail_the_handshake_not_the_records() {
    let mut config = server_config(MEASUREMENT);
    config.rekey_after = 5;
    let mut server = SessionTable::new(config);
    let mut c = client();
    let err = handshake(&mut c, &mut server).expect_err("different prologues");
    assert!(
        matches!(
            &err,
            ChannelError::Handshake(HandshakeError::Noise(NoiseError {
                step: NoiseStep::Message,
                ..
            }))
        ),
        "{err:?}"
    );
}

#[test]
fn failures_to_make_evidence_say_whose_evidence_and_why() {
    let mut no_tee = SessionTable::new(ServerConfig::new(
        generate_static_key().expect("key"),
        Box::new(|_: &[u8; 64]| Err("the TEE is gone".to_string())),
    ));
    let mut c = client();
    assert_eq!(
        handshake(&mut c, &mut no_tee),
        Err(ChannelError::Handshake(HandshakeError::Evidence {
            role: Role::Enclave,
            source: EvidenceError("the TEE is gone".into()),
        }))
    );

    let mut server = server_with(MEASUREMENT);
    let mut cfg = ClientConfig::new(Box::new(verifier(MEASUREMENT)));
    cfg.own_evidence = Some(Box::new(|_: &[u8; 64]| Err("no client TEE".to_string())));
    let mut c = ClientChannel::new(cfg).expect("client");
    let err = handshake(&mut c, &mut server).expect_err("no own evidence");
    assert_eq!(
        err,
        ChannelError::Handshake(HandshakeError::Evidence {
            role: Role::Client,
            source: EvidenceError("no client TEE".into()),
        })
    );
    assert_eq!(
        err.to_string(),
        "the handshake failed: the client's own evidence: no client TEE"
    );
    assert_eq!(
        c.start(),
        Err(ChannelError::Handshake(HandshakeError::AlreadyStarted)),
        "a failed channel is not started again"
    );
}

#[test]
fn hellos_with_a_session_id_and_handshakes_for_open_sessions_are_refused() {
    let mut server = server_with(MEASUREMENT);
    let mut c = client();
    let hello = c.start().expect("hello");
    let mut odd = hello.clone();
    odd[8] = 1;
    assert!(matches!(
        server.handshake(&odd, now()),
        Err(ChannelError::Malformed(_))
    ));
    let mut a = connect(&mut server);
    // A handshake frame aimed at an established session changes nothing.
    let stray = wire::frame(wire::Kind::Handshake, &a.session(), &[0u8; 64]);
    assert!(server.handshake(&stray, now()).is_err());
    round_trip(&mut a, &mut server, b"unaffected");
}

#[test]
fn a_tampered_record_at_a_rekey_boundary_does_not_desynchronise_the_keys() {
    let (mut c, mut server) = connect_rekeying(3);
    for i in 0..2u8 {
        let f = c.encrypt(&[i]).expect("seal").remove(0);
        assert_eq!(deliver(&mut server, &f), Ok(Delivered::Message(vec![i])));
    }
    // Record 2 is the last under the first key: the receiver rekeys after it.
    let genuine = c.encrypt(b"boundary").expect("seal").remove(0);
    let mut bad = genuine.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x80;
    assert_eq!(deliver(&mut server, &bad), Err(ChannelError::Tampered));
    assert_eq!(
        deliver(&mut server, &genuine),
        Ok(Delivered::Message(b"boundary".to_vec()))
    );
    round_trip(&mut c, &mut server, b"under the second key");
}

#[test]
fn a_full_table_refuses_hellos_and_absurd_lengths_are_truncation() {
    let mut config = server_config(MEASUREMENT);
    config.max_sessions = 2;
    let mut server = SessionTable::new(config);
    let mut a = connect(&mut server);
    connect(&mut server);
    let mut late = client();
    let reply = server
        .handshake(&late.start().expect("hello"), now())
        .expect("reply");
    assert!(matches!(
        late.handle_message(&reply[0]),
        Err(ChannelError::Rejected(_))
    ));

    let mut huge = a.encrypt(b"x").expect("seal").remove(0);
    let length_at = wire::FRAME_HEADER + 12;
    huge[length_at..length_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(deliver(&mut server, &huge), Err(ChannelError::Truncated));
}

#[test]
fn with_mutual_attestation_no_data_is_accepted_before_the_clients_evidence() {
    let mut config = server_config(MEASUREMENT);
    config.client_verifier = Some(Box::new(verifier([9; 32])));
    let mut server = SessionTable::new(config);
    // A client that sends no evidence of its own.
    let mut c = client();
    handshake(&mut c, &mut server).expect("handshake");
    let data = c.encrypt(b"too early").expect("seal").remove(0);
    assert_eq!(
        deliver(&mut server, &data),
        Err(ChannelError::NotEstablished)
    );
}

#[test]
fn sealed_and_announced_lengths_match_the_records() {
    let (mut c, mut server) = connect_rekeying(3);
    for len in [
        0,
        1,
        100,
        wire::MAX_CHUNK,
        wire::MAX_CHUNK + 1,
        2 * wire::MAX_CHUNK + 7,
    ] {
        let msg = vec![9u8; len];
        let frames = c.encrypt(&msg).expect("seal");
        let bytes = frames.concat();
        assert_eq!(bytes.len(), wire::sealed_len(len), "sealed length of {len}");
        assert_eq!(
            wire::announced_data_len(&wire::split(&bytes).expect("split")),
            Ok(len),
            "announced length of {len}"
        );
        for f in &frames {
            deliver(&mut server, f).expect("open");
        }
    }
    let hello = wire::frame(wire::Kind::Hello, &[0; 16], b"x");
    assert!(
        wire::announced_data_len(&[&hello[..]]).is_err(),
        "only records announce data"
    );
    let id = c.session();
    assert_eq!(server.session_with_short_id(wire::short_id(&id)), Some(id));
    assert_eq!(server.session_with_short_id(wire::short_id(&id) ^ 1), None);
}
