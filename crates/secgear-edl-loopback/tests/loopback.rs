//! A generated host client calling a generated enclave dispatcher in memory.

use secgear_abi::{ErrorCode, Transport, UserPtr};
use secgear_edl_loopback::host;
use secgear_edl_loopback::loopback::EcallPort;
use std::ffi::CStr;
use std::sync::Mutex;

mod common;
use common::{Port, wire};

#[test]
fn helloworld_get_string() {
    let (_, client) = wire();
    let mut buf = [0u8; 32];
    assert_eq!(client.get_string(&mut buf).expect("call"), 0);
    let s = CStr::from_bytes_until_nul(&buf).expect("terminated");
    assert_eq!(s.to_str().expect("utf8"), "secgear hello world!");
}

#[test]
fn scalars_slices_and_strings() {
    let (_, c) = wire();
    assert_eq!(c.add(2, 40).expect("add"), 42);
    assert_eq!(
        c.sum(&[1, 2, 3, u32::MAX]).expect("sum"),
        6 + u64::from(u32::MAX)
    );
    let mut buf = vec![0u8; 100];
    c.fill(&mut buf, 7).expect("fill");
    assert!(buf.iter().all(|b| *b == 7));
    let mut dst = [0u8; 5];
    c.echo(b"abcde", &mut dst, 5).expect("echo");
    assert_eq!(&dst, b"abcde");
    let mut v = [1.5, -2.0];
    c.scale(&mut v, 2.0).expect("scale");
    assert_eq!(v, [3.0, -4.0]);
    let mut out = [0u8; 64];
    let n = c.greet(c"edl", &mut out).expect("greet");
    assert_eq!(&out[..n], b"hello, edl");
    let mut s = *b"mixed Case\0tail";
    c.upper(&mut s).expect("upper");
    assert_eq!(&s, b"MIXED CASE\0tail", "only the string region travels");
    assert_eq!(c.wlen(&[104, 105, 0, 99]).expect("wlen"), 2);
}

#[test]
fn structs_arrays_enums_unions() {
    let (_, c) = wire();
    let p = host::point { x: 1, y: 2 };
    assert_eq!(c.mirror(p).expect("mirror"), host::point { x: 2, y: 1 });
    let mut q = p;
    c.move_point(&mut q, 10).expect("move");
    assert_eq!(q.x, 11);
    let mut t = [[0; 2]; 3];
    c.transpose(&[[1, 2, 3], [4, 5, 6]], &mut t)
        .expect("transpose");
    assert_eq!(t, [[1, 4], [2, 5], [3, 6]]);
    assert_eq!(c.next_color(host::RED).expect("color"), host::GREEN);
    assert_eq!(host::BLUE.0, 6);
    assert_eq!(host::LIMIT, 16);
    assert_eq!(c.as_num(0x0102_0304).expect("num").u(), 0x0102_0304);
    assert_eq!(std::mem::size_of::<host::num>(), 8);
    assert_eq!(std::mem::align_of::<host::num>(), 8);
    let mut q4 = [0u16; 4];
    c.fixed_count(&mut q4).expect("fixed");
    assert_eq!(q4, [1, 2, 3, 4]);
    let mut total = 0;
    c.raw_bytes(&[1, 2, 3], &mut total).expect("isptr");
    assert_eq!(total, 6);
    assert_eq!(c.first_of(&[9, 8, 7, 6]).expect("isary"), 9);
    assert_eq!(c.keywords(1, 2, 3).expect("keywords"), 123);
    assert_eq!(c.address(UserPtr(0xdead)).expect("user_check"), 0xdead);
    assert_eq!(c.ptr_list(&[UserPtr(1), UserPtr(2)]).expect("ptrs"), 3);
    assert_eq!(c.wide(0.5, 2, -1, true).expect("wide"), 2.5);
    let mut h = [0; 3];
    assert_eq!(c.dims(&[1; 16], &mut h).expect("named dims"), 16);
    assert_eq!(h, [7, 8, 9]);
}

#[test]
fn deep_copy_in_and_in_out() {
    let (_, c) = wire();
    let mut b = host::blob {
        len: 3,
        data: vec![1, 2, 3],
        n: 1,
        pts: vec![host::point { x: 10, y: 20 }],
        tag: 100,
    };
    assert_eq!(c.blob_sum(&b).expect("sum"), 6 + 30 + 100);
    c.blob_grow(&mut b).expect("grow");
    assert_eq!(
        (b.len, b.data.as_slice(), b.n),
        (4, &[1, 2, 3, 0xAA][..], 2)
    );
    // A size member that disagrees with its data is refused by the receiver.
    let bad = host::blob {
        len: 9,
        ..b.clone()
    };
    let err = c.blob_sum(&bad).expect_err("inconsistent deep copy");
    assert_eq!(err.kind(), ErrorCode::BadParameters);
}

#[test]
fn explicit_length_arguments_are_checked_before_sending() {
    let (_, c) = wire();
    let mut dst = [0u8; 4];
    let err = c.echo(b"abcde", &mut dst, 5).expect_err("dst too short");
    assert_eq!(err.kind(), ErrorCode::BadParameters);
    let mut no_nul = *b"abc";
    assert_eq!(
        c.upper(&mut no_nul).expect_err("no NUL").kind(),
        ErrorCode::BadParameters
    );
}

#[test]
fn ocalls_errno_and_nested_private_ecall() {
    let (lb, c) = wire();
    assert_eq!(c.call_host(4).expect("call_host"), 8 + 40);
    assert_eq!(
        lb.untrusted.log.lock().expect("lock").as_slice(),
        ["from the enclave"]
    );
}

#[test]
fn private_ecall_is_refused_from_the_top_level() {
    let (_, c) = wire();
    let err = c.private_op(1).expect_err("private");
    assert_eq!(err.kind(), ErrorCode::EcallNotAllowed);
}

#[test]
fn tables_carry_ids_flags_and_allow_lists() {
    // Imports first: `add` comes from common.edl.
    assert_eq!(host::ecall_ids::add, 0);
    assert_eq!(host::ECALLS[0].name, "add");
    assert_eq!(
        host::ECALLS[host::ecall_ids::get_string as usize].name,
        "get_string"
    );
    let sw = &host::ECALLS[host::ecall_ids::sw_add as usize];
    assert!(sw.switchless && sw.public);
    assert!(!host::ECALLS[host::ecall_ids::private_op as usize].public);
    let cb = &host::OCALLS[host::ocall_ids::host_calls_back as usize];
    assert_eq!(cb.allow, &[host::ecall_ids::private_op]);
    assert!(host::OCALLS[host::ocall_ids::host_read as usize].propagate_errno);
    // `import host_log` brought only that function from extra.edl.
    assert!(host::OCALLS.iter().all(|f| f.name != "host_unused"));
    assert_eq!(host::OCALLS[0].name, "host_log");
}

/// A transport that records which path a call took.
struct Recorder(Mutex<Vec<bool>>, Port);

impl Transport for Recorder {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, secgear_abi::Error> {
        self.0.lock().expect("lock").push(false);
        self.1.call(request)
    }
    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, secgear_abi::Error> {
        self.0.lock().expect("lock").push(true);
        self.1.call(request)
    }
}

#[test]
fn switchless_functions_use_the_switchless_path() {
    let (lb, _) = wire();
    let rec = Recorder(Mutex::new(Vec::new()), EcallPort(lb));
    let c = host::Client::new(&rec);
    assert_eq!(c.sw_add(1, 2).expect("sw"), 3);
    assert_eq!(c.add(1, 2).expect("normal"), 3);
    assert_eq!(rec.0.lock().expect("lock").as_slice(), [true, false]);
}

struct Hello;

impl secgear_edl_loopback::hello::enclave::Trusted for Hello {
    fn get_string(&self, buf: &mut [u8; 32]) -> i32 {
        buf[..3].copy_from_slice(b"hi\0");
        7
    }
}

struct HelloPort;

impl Transport for HelloPort {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, secgear_abi::Error> {
        use secgear_edl_loopback::hello::enclave;
        Ok(enclave::dispatch_ecall(
            &Hello,
            &secgear_abi::EcallContext::TOP_LEVEL,
            &request,
        ))
    }
}

#[test]
fn helloworld_edl_without_ocalls() {
    use secgear_edl_loopback::hello::host;
    let mut buf = [0u8; 32];
    assert_eq!(
        host::Client::new(HelloPort)
            .get_string(&mut buf)
            .expect("call"),
        7
    );
    assert_eq!(&buf[..3], b"hi\0");
    struct NoOcalls;
    impl host::Untrusted for NoOcalls {}
    let reply = host::dispatch_ocall(
        &NoOcalls,
        &secgear_abi::Writer::request(secgear_abi::CallKind::Ocall, 0).finish(),
    );
    assert_eq!(
        secgear_abi::Reader::reply(&reply)
            .expect_err("no OCALLs")
            .kind(),
        ErrorCode::InvalidCmd
    );
}
