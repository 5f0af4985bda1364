//! The test enclave and host used by every loopback test.
#![allow(dead_code)]

use secgear_abi::UserPtr;
use secgear_edl_loopback::loopback::{EcallPort, Loopback, OcallPort};
use secgear_edl_loopback::{enclave, host};
use std::ffi::CStr;
use std::sync::{Arc, Mutex, OnceLock};

pub type Port = EcallPort<Enclave, Host>;

/// The enclave's implementation; OCALLs go through the port set after wiring.
#[derive(Default)]
pub struct Enclave {
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
        p.x = p.x.wrapping_add(dx);
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
        bytes.wrapping_add(pts as u64).wrapping_add(b.tag)
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
    fn keywords(&self, r#type: i32, self_: i32, r#match: i32) -> i32 {
        r#type
            .wrapping_mul(100)
            .wrapping_add(self_.wrapping_mul(10))
            .wrapping_add(r#match)
    }
    fn sw_add(&self, a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
    fn call_host(&self, x: i32) -> i32 {
        let logged = self.host().host_log(c"from the enclave");
        assert!(logged.is_ok());
        let mut buf = [0u8; 8];
        let n = self.host().host_read(&mut buf).expect("host_read");
        assert_eq!(
            secgear_abi::last_ocall_errno(),
            22,
            "propagate_errno carries the host's errno (EINVAL)"
        );
        assert_eq!(&buf, b"hostdata");
        self.host().host_noop().expect("noop");
        n.wrapping_add(
            self.host()
                .host_calls_back(x)
                .expect("nested ECALL through an allowed OCALL"),
        )
    }
    fn private_op(&self, x: i32) -> i32 {
        x.wrapping_mul(10)
    }
    fn ptr_list(&self, ptrs: &[UserPtr]) -> i64 {
        ptrs.iter()
            .fold(0i64, |acc, p| acc.wrapping_add(p.0 as i64))
    }
    fn dims(&self, v: &[u8; 16], h: &mut [i32; 3]) -> u32 {
        *h = [7, 8, 9];
        v.iter().map(|b| u32::from(*b)).sum()
    }
    fn wide(&self, x: f64, y: u64, z: i8, flag: bool) -> f64 {
        x + y as f64 + f64::from(z) + f64::from(u8::from(flag))
    }
}

/// The host's implementation of the OCALLs; it makes nested ECALLs.
#[derive(Default)]
pub struct Host {
    pub log: Mutex<Vec<String>>,
    ecalls: OnceLock<host::Client<Port>>,
}

impl host::Untrusted for Host {
    fn host_log(&self, msg: &CStr) {
        self.log
            .lock()
            .expect("lock")
            .push(msg.to_string_lossy().into_owned());
    }
    fn host_read(&self, buf: &mut [u8]) -> i32 {
        buf.copy_from_slice(b"hostdata");
        // A failing system call leaves errno = EINVAL, as a C host function would.
        let _ = std::fs::read_link("/");
        8
    }
    fn host_calls_back(&self, x: i32) -> i32 {
        self.ecalls
            .get()
            .expect("wired")
            .private_op(x)
            .expect("allowed private ECALL")
    }
    fn host_noop(&self) {}
}

pub fn wire() -> (Arc<Loopback<Enclave, Host>>, host::Client<Port>) {
    let lb = Arc::new(Loopback {
        trusted: Enclave::default(),
        untrusted: Host::default(),
    });
    let _ = lb
        .trusted
        .ocalls
        .set(enclave::OcallClient::new(OcallPort(lb.clone())));
    let _ = lb
        .untrusted
        .ecalls
        .set(host::Client::new(EcallPort(lb.clone())));
    (lb.clone(), host::Client::new(EcallPort(lb)))
}
