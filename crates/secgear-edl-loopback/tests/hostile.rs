//! Hostile bytes on both sides of the boundary: the enclave's dispatcher fed
//! garbage or mutated requests, and the host's client fed garbage or mutated
//! replies. Every case must end in an error (or a well-formed result), never
//! a panic, a hang or a write outside the caller's buffers.

mod common;
use common::{Enclave, Host, wire};

use proptest::prelude::*;
use secgear_abi::{EcallContext, Error, ErrorCode, Reader, Transport};
use secgear_edl_loopback::loopback::EcallPort;
use secgear_edl_loopback::{enclave, host};
use std::sync::Mutex;

/// Records every request and reply of a real session.
struct Tape {
    inner: EcallPort<Enclave, Host>,
    log: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl Transport for Tape {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        let reply = self.inner.call(request.clone())?;
        self.log
            .lock()
            .expect("lock")
            .push((request, reply.clone()));
        Ok(reply)
    }
}

/// Exercises every top-level ECALL once and returns what crossed.
fn record_session() -> Vec<(Vec<u8>, Vec<u8>)> {
    let (lb, _) = wire();
    let tape = Tape {
        inner: EcallPort(lb),
        log: Mutex::new(Vec::new()),
    };
    let c = host::Client::new(&tape);
    let mut buf = [0u8; 32];
    c.get_string(&mut buf).expect("get_string");
    c.sum(&[1, 2, 3]).expect("sum");
    let mut dst = [0u8; 3];
    c.echo(b"abc", &mut dst, 3).expect("echo");
    let mut v = [1.0, 2.0];
    c.scale(&mut v, 3.0).expect("scale");
    let mut out = [0u8; 16];
    c.greet(c"x", &mut out).expect("greet");
    let mut s = *b"ab\0";
    c.upper(&mut s).expect("upper");
    c.wlen(&[65, 0]).expect("wlen");
    let mut t = [[0; 2]; 3];
    c.transpose(&[[1, 2, 3], [4, 5, 6]], &mut t)
        .expect("transpose");
    let mut b = host::blob {
        len: 2,
        data: vec![1, 2],
        n: 1,
        pts: vec![host::point { x: 1, y: 2 }],
        tag: 3,
    };
    c.blob_grow(&mut b).expect("blob");
    c.next_color(host::RED).expect("color");
    c.as_num(5).expect("num");
    let mut total = 0;
    c.raw_bytes(&[1], &mut total).expect("raw");
    c.first_of(&[1, 2, 3, 4]).expect("isary");
    c.ptr_list(&[secgear_abi::UserPtr(1)]).expect("ptrs");
    c.wide(1.0, 2, 3, false).expect("wide");
    tape.log.into_inner().expect("lock")
}

/// Serves a request on a fully wired enclave, as a runtime would.
fn dispatch(request: &[u8]) -> Vec<u8> {
    let (lb, _) = wire();
    enclave::dispatch_ecall(&lb.trusted, &EcallContext::TOP_LEVEL, request)
}

fn status(reply: &[u8]) -> Result<(), ErrorCode> {
    Reader::reply(reply).map(|_| ()).map_err(|e| e.kind())
}

#[test]
fn truncated_requests_are_refused_at_every_length() {
    for (request, _) in record_session() {
        for len in 0..request.len() {
            let reply = dispatch(&request[..len]);
            assert!(
                status(&reply).is_err(),
                "truncation to {len} of {request:?} was accepted"
            );
        }
        assert!(status(&dispatch(&request)).is_ok());
    }
}

#[test]
fn trailing_bytes_wrong_kind_version_and_ids_are_refused() {
    let (request, _) = record_session().remove(0);
    let mut extra = request.clone();
    extra.push(0);
    assert_eq!(status(&dispatch(&extra)), Err(ErrorCode::BadFormat));
    let mut version = request.clone();
    version[0] = 9;
    assert_eq!(status(&dispatch(&version)), Err(ErrorCode::NotSupported));
    let mut kind = request.clone();
    kind[1] = 2;
    assert_eq!(status(&dispatch(&kind)), Err(ErrorCode::BadFormat));
    let mut id = request;
    id[4..8].copy_from_slice(&999u32.to_le_bytes());
    assert_eq!(status(&dispatch(&id)), Err(ErrorCode::InvalidCmd));
}

#[test]
fn huge_out_regions_are_refused_without_allocating() {
    // `fill` carries one [out] count: claim 2^62 elements.
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::fill);
    w.put_count(1 << 62);
    w.put(&7u8);
    assert_eq!(status(&dispatch(&w.finish())), Err(ErrorCode::ExcessData));
    // `sum` carries one [in] sequence: claim more elements than bytes follow.
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::sum);
    w.put(&u64::MAX);
    assert_eq!(status(&dispatch(&w.finish())), Err(ErrorCode::BadFormat));
}

#[test]
fn interior_nul_and_unterminated_strings_are_refused() {
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::greet);
    w.put_slice(b"a\0b");
    w.put_count(8);
    assert_eq!(
        status(&dispatch(&w.finish())),
        Err(ErrorCode::BadParameters)
    );
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::upper);
    w.put_slice(b"abc");
    assert_eq!(
        status(&dispatch(&w.finish())),
        Err(ErrorCode::BadParameters)
    );
}

#[test]
fn ocall_dispatcher_refuses_garbage() {
    let h = Host::default();
    for bad in [
        &b""[..],
        &[1, 2, 0, 0, 0, 0, 0, 0],
        &[1, 2, 0, 0, 99, 0, 0, 0],
        &[1, 1, 0, 0, 0, 0, 0, 0],
    ] {
        assert!(status(&host::dispatch_ocall(&h, bad)).is_err());
    }
}

/// Serves a fixed reply, whatever was asked.
struct Canned(Vec<u8>);

impl Transport for Canned {
    fn call(&self, _: Vec<u8>) -> Result<Vec<u8>, Error> {
        Ok(self.0.clone())
    }
}

#[test]
fn client_refuses_replies_that_do_not_fit_its_buffers() {
    // A reply to `fill` with 5 bytes for a 3-byte region.
    let mut w = secgear_abi::Writer::reply();
    w.put_slice(&[1u8, 2, 3, 4, 5]);
    let canned = Canned(w.finish());
    let mut buf = [0u8; 3];
    assert!(host::Client::new(&canned).fill(&mut buf, 0).is_err());
    assert_eq!(buf, [0, 0, 0], "nothing was written");
    // An [in,out] string whose reply lost its terminator.
    let mut w = secgear_abi::Writer::reply();
    w.put_slice(b"XYZ");
    let mut s = *b"ab\0";
    assert!(
        host::Client::new(&Canned(w.finish()))
            .upper(&mut s)
            .is_err()
    );
    assert_eq!(&s, b"ab\0");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_requests_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), id in 0u32..32) {
        let mut msg = vec![1u8, 1, 0, 0];
        msg.extend_from_slice(&id.to_le_bytes());
        msg.extend_from_slice(&bytes);
        let _ = dispatch(&msg);
        let _ = dispatch(&bytes);
        let _ = host::dispatch_ocall(&Host::default(), &bytes);
    }

    #[test]
    fn mutated_requests_and_replies_never_panic(pick in any::<prop::sample::Index>(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let session = record_session();
        let (request, reply) = &session[pick.index(session.len())];
        let mut req = request.clone();
        let i = pos.index(req.len());
        req[i] = byte;
        let _ = dispatch(&req);
        let mut rep = reply.clone();
        let j = pos.index(rep.len());
        rep[j] ^= byte | 1;
        let canned = Canned(rep);
        let c = host::Client::new(&canned);
        let mut buf = [0u8; 32];
        let _ = c.get_string(&mut buf);
        let mut dst = [0u8; 3];
        let _ = c.echo(b"abc", &mut dst, 3);
        let mut b = host::blob { len: 1, data: vec![1], n: 0, pts: vec![], tag: 0 };
        let _ = c.blob_grow(&mut b);
        let mut s = *b"ab\0";
        let _ = c.upper(&mut s);
        let _ = c.sum(&[1]);
    }
}

#[test]
fn a_reply_with_trailing_garbage_leaves_every_buffer_untouched() {
    // `echo` returns one [out] region; a valid region followed by junk.
    let mut w = secgear_abi::Writer::reply();
    w.put_slice(b"XYZ");
    w.put_bytes(b"junk");
    let mut dst = [0u8; 3];
    let err = host::Client::new(&Canned(w.finish()))
        .echo(b"abc", &mut dst, 3)
        .expect_err("trailing bytes");
    assert_eq!(err.kind(), ErrorCode::BadFormat);
    assert_eq!(dst, [0, 0, 0]);
}

#[test]
fn a_callee_may_shorten_an_in_out_string() {
    let mut w = secgear_abi::Writer::reply();
    w.put_slice(b"A\0\0");
    let mut s = *b"ab\0";
    host::Client::new(&Canned(w.finish()))
        .upper(&mut s)
        .expect("shortened string");
    assert_eq!(&s, b"A\0\0");
}

#[test]
fn out_regions_are_checked_before_they_are_allocated() {
    // `echo` with a `dst` count that disagrees with `len`: refused, whatever the count.
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::echo);
    w.put_slice(b"abc");
    w.put_count(200 << 20);
    w.put(&3usize);
    assert_eq!(
        status(&dispatch(&w.finish())),
        Err(ErrorCode::BadParameters)
    );
    // One call's [out] regions together are bounded.
    let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Ecall, host::ecall_ids::fill);
    w.put_count(secgear_abi::wire::MAX_OUT_BYTES + 1);
    w.put(&0u8);
    assert_eq!(status(&dispatch(&w.finish())), Err(ErrorCode::ExcessData));
}
