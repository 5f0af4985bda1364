//! A generated host client calling a generated enclave dispatcher in memory.

use secgear_abi::{ErrorCode, Transport, UserPtr};
use secgear_edl_loopback::loopback::{EcallPort, Loopback, OcallPort};
use secgear_edl_loopback::{enclave, host};
use std::ffi::CStr;
use std::sync::{Arc, Mutex, OnceLock};

type Port = EcallPort<Enclave, Host>;

/// The enclave's implementation; OCALLs go through the port set after wiring.
#[derive(Default)]
struct Enclave {
    ocalls: OnceLock<enclave::OcallClient<OcallPort<Enclave, Host>>>,
}

impl Enclave {
    fn host(&self) -> &enclave::OcallClient<OcallPort<Enclave, Host>> {
        self.ocalls.get().expect("wired")
    }
}

impl enclave::Trusted for Enclave {
    fn get_string(&self, buf: &mut [u8; 32]) -> i32 {
        let msg = b"secgear hello world!\0";
        buf[..msg.len()].copy_from_slice(msg);
        0
    }
    fn add(&self, a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
    fn sum(&self, xs: &[u32]) -> u64 {
        xs.iter().map(|x| u64::from(*x)).sum()
    }
    fn fill(&self, buf: &mut [u8], value: u8) {
        buf.fill(value);
    }
    fn echo(&self, src: &[u8], dst: &mut [u8], len: usize) {
        assert_eq!(src.len(), len);
        dst.copy_from_slice(src);
    }
    fn scale(&self, v: &mut [f64], f: f64) {
        v.iter_mut().for_each(|x| *x *= f);
    }
    fn greet(&self, name: &CStr, out: &mut [u8]) -> usize {
        let text = format!("hello, {}", name.to_string_lossy());
        let n = text.len().min(out.len());
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
        n
    }
    fn upper(&self, s: &mut [u8]) {
        s.make_ascii_uppercase();
    }
    fn wlen(&self, s: &[i32]) -> usize {
        s.iter().position(|c| *c == 0).unwrap_or(s.len())
    }
    fn mirror(&self, p: enclave::point) -> enclave::point {
        enclave::point { x: p.y, y: p.x }
    }
    fn move_point(&self, p: &mut enclave::point, dx: i32) {
        p.x += dx;
    }
    fn transpose(&self, m: &[[i32; 3]; 2], t: &mut [[i32; 2]; 3]) {
        for (i, row) in m.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                t[j][i] = *v;
            }
        }
    }
    fn blob_sum(&self, b: &enclave::blob) -> u64 {
        let bytes: u64 = b.data.iter().map(|x| u64::from(*x)).sum();
        let pts: i64 = b.pts.iter().map(|p| i64::from(p.x) + i64::from(p.y)).sum();
        bytes + pts as u64 + b.tag
    }
    fn blob_grow(&self, b: &mut enclave::blob) {
        b.data.push(0xAA);
        b.len += 1;
        b.pts.push(enclave::point { x: -1, y: -2 });
        b.n += 1;
    }
    fn next_color(&self, c: enclave::color) -> enclave::color {
        match c {
            enclave::RED => enclave::GREEN,
            enclave::GREEN => enclave::BLUE,
            _ => enclave::RED,
        }
    }
    fn as_num(&self, u: u32) -> enclave::num {
        let mut n = <enclave::num as secgear_abi::Wire>::zeroed();
        n.set_u(u);
        n
    }
    fn address(&self, p: UserPtr) -> u64 {
        p.0
    }
    fn fixed_count(&self, q: &mut [u16; 4]) {
        *q = [1, 2, 3, 4];
    }
    fn raw_bytes(&self, buf: &[u8], total: &mut u64) {
        *total = buf.iter().map(|b| u64::from(*b)).sum();
    }
    fn first_of(&self, arr: &[i32; 4]) -> i32 {
        arr[0]
    }
    fn keywords(&self, r#type: i32, self_: i32, r#match: i32) {
        assert_eq!((r#type, self_, r#match), (1, 2, 3));
    }
    fn sw_add(&self, a: i32, b: i32) -> i32 {
        a + b
    }
    fn call_host(&self, x: i32) -> i32 {
        let logged = self.host().host_log(c"from the enclave");
        assert!(logged.is_ok());
        let mut buf = [0u8; 8];
        let n = self.host().host_read(&mut buf).expect("host_read");
        assert_eq!(secgear_abi::last_ocall_errno(), 22, "propagate_errno carries the host's errno (EINVAL)");
        assert_eq!(&buf, b"hostdata");
        self.host().host_noop().expect("noop");
        n + self.host().host_calls_back(x).expect("nested ECALL through an allowed OCALL")
    }
    fn private_op(&self, x: i32) -> i32 {
        x * 10
    }
    fn ptr_list(&self, ptrs: &[UserPtr]) -> i64 {
        ptrs.iter().map(|p| p.0 as i64).sum()
    }
    fn wide(&self, x: f64, y: u64, z: i8, flag: bool) -> f64 {
        x + y as f64 + f64::from(z) + f64::from(u8::from(flag))
    }
}

/// The host's implementation of the OCALLs; it makes nested ECALLs.
#[derive(Default)]
struct Host {
    log: Mutex<Vec<String>>,
    ecalls: OnceLock<host::Client<Port>>,
}

impl host::Untrusted for Host {
    fn host_log(&self, msg: &CStr) {
        self.log.lock().expect("lock").push(msg.to_string_lossy().into_owned());
    }
    fn host_read(&self, buf: &mut [u8]) -> i32 {
        buf.copy_from_slice(b"hostdata");
        // A failing system call leaves errno = EINVAL, as a C host function would.
        let _ = std::fs::read_link("/");
        8
    }
    fn host_calls_back(&self, x: i32) -> i32 {
        self.ecalls.get().expect("wired").private_op(x).expect("allowed private ECALL")
    }
    fn host_noop(&self) {}
}

fn wire() -> (Arc<Loopback<Enclave, Host>>, host::Client<Port>) {
    let lb = Arc::new(Loopback { trusted: Enclave::default(), untrusted: Host::default() });
    let _ = lb.trusted.ocalls.set(enclave::OcallClient::new(OcallPort(lb.clone())));
    let _ = lb.untrusted.ecalls.set(host::Client::new(EcallPort(lb.clone())));
    (lb.clone(), host::Client::new(EcallPort(lb)))
}

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
    assert_eq!(c.sum(&[1, 2, 3, u32::MAX]).expect("sum"), 6 + u64::from(u32::MAX));
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
    c.transpose(&[[1, 2, 3], [4, 5, 6]], &mut t).expect("transpose");
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
    c.keywords(1, 2, 3).expect("keywords");
    assert_eq!(c.address(UserPtr(0xdead)).expect("user_check"), 0xdead);
    assert_eq!(c.ptr_list(&[UserPtr(1), UserPtr(2)]).expect("ptrs"), 3);
    assert_eq!(c.wide(0.5, 2, -1, true).expect("wide"), 2.5);
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
    assert_eq!((b.len, b.data.as_slice(), b.n), (4, &[1, 2, 3, 0xAA][..], 2));
    // A size member that disagrees with its data is refused by the receiver.
    let bad = host::blob { len: 9, ..b.clone() };
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
    assert_eq!(c.upper(&mut no_nul).expect_err("no NUL").kind(), ErrorCode::BadParameters);
}

#[test]
fn ocalls_errno_and_nested_private_ecall() {
    let (lb, c) = wire();
    assert_eq!(c.call_host(4).expect("call_host"), 8 + 40);
    assert_eq!(lb.untrusted.log.lock().expect("lock").as_slice(), ["from the enclave"]);
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
    assert_eq!(host::ECALLS[host::ecall_ids::get_string as usize].name, "get_string");
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
