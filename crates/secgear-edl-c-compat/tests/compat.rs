//! The C bindings `secgear-edl` generates for `edl/compat.edl` against the
//! Rust bindings of the same file, byte for byte, both ways:
//!
//! - a C host (`c/host_harness.c` + the generated `compat_u.c`) makes the
//!   same calls as a Rust host: its requests must be the Rust host's bytes;
//!   fed the replies of the Rust enclave, it must decode the same results;
//!   serving the Rust enclave's OCALL requests, it must reply the Rust
//!   host's bytes;
//! - a C enclave (`c/enclave_harness.c` + `compat_t.c`) serving the Rust
//!   host's requests must reply the Rust enclave's bytes; its OCALL
//!   requests must be the Rust enclave's, and fed the Rust host's replies
//!   it must decode the same results.
//!
//! The generated C calls the `sg_*` functions of secgear-c-abi, linked from
//! its staticlib, and a fake runtime in the harness that carries messages
//! through files. The C implementations mirror the Rust ones below.

use secgear_abi::{EcallContext, Error, Submitted, Transport, UserPtr, Wire};
use secgear_edl::{CGenOptions, Options, Side};
use secgear_edl_c_compat::{enclave, host};
use std::cell::RefCell;
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::process::Command;

struct RustEnclave;

fn weighted(values: &[u64]) -> i64 {
    values.iter().enumerate().fold(0u64, |acc, (i, v)| {
        acc.wrapping_add((i as u64 + 1).wrapping_mul(*v))
    }) as i64
}

impl enclave::Trusted for RustEnclave {
    fn scalars(
        &self,
        a: i8,
        b: u16,
        c: i32,
        d: u64,
        e: u8,
        f: usize,
        g: i64,
        h: u16,
        i: f32,
        j: f64,
        k: bool,
        l: f64,
        m: i32,
        n: i8,
    ) -> i64 {
        weighted(&[
            i64::from(a) as u64,
            u64::from(b),
            i64::from(c) as u64,
            d,
            u64::from(e),
            f as u64,
            g as u64,
            u64::from(h),
            u64::from(i.to_bits()),
            j.to_bits(),
            u64::from(k),
            l.to_bits(),
            i64::from(m) as u64,
            i64::from(n) as u64,
        ])
    }
    fn in_size(&self, buf: &[u8]) -> u32 {
        buf.iter().map(|b| u32::from(*b)).sum()
    }
    fn in_out_shared(&self, src: &[u8], dst: &mut [u8], _len: i32) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s ^ 0x5a;
        }
    }
    fn out_const(&self, buf: &mut [u8; 16]) -> i32 {
        let text = b"compat out\0";
        buf[..text.len()].copy_from_slice(text);
        text.len() as i32
    }
    fn inout_count(&self, v: &mut [i32], add: i32) {
        v.iter_mut().for_each(|x| *x = x.wrapping_add(add));
    }
    fn size_count(&self, v: &[u16], k: i32) -> u32 {
        v.iter().enumerate().fold(k as u32, |s, (i, x)| {
            s.wrapping_add(u32::from(*x) * (i as u32 + 1))
        })
    }
    fn in_string(&self, s: &CStr, out: &mut [u8]) -> usize {
        let text = format!("hi, {}", s.to_string_lossy());
        let n = text.len().min(out.len());
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
        n
    }
    fn inout_string(&self, s: &mut [u8]) {
        s.make_ascii_uppercase();
    }
    fn wide_in(&self, s: &[i32]) -> usize {
        s.iter().position(|c| *c == 0).unwrap_or(s.len())
    }
    fn wide_inout(&self, s: &mut [i32]) {
        s.iter_mut().filter(|c| **c != 0).for_each(|c| *c += 1);
    }
    fn by_value(
        &self,
        p: enclave::pt,
        c: enclave::color,
        u: enclave::num,
        b: enclave::big,
    ) -> enclave::pt {
        enclave::pt {
            x: p.x.wrapping_add(c.0 as i16),
            y: p.y ^ b.0,
            tag: (u.u() & 0xff) as u8 ^ p.tag,
        }
    }
    fn ptr_struct(&self, p: &mut enclave::pt) {
        p.x = p.x.wrapping_neg();
        p.y += 1000;
        p.tag = p.tag.wrapping_add(1);
    }
    fn user_ptr(&self, p: UserPtr, arr: UserPtr) -> u64 {
        p.0 ^ arr.0
    }
    fn arrays(&self, m: &[[i32; 3]; 2], t: &mut [[i32; 2]; 3], v: &mut [u8; 5]) {
        for (i, row) in m.iter().enumerate() {
            for (j, x) in row.iter().enumerate() {
                t[j][i] = *x;
            }
        }
        v.iter_mut().for_each(|x| *x = x.wrapping_mul(2));
    }
    fn deep_in(&self, b: &enclave::blob) -> u64 {
        let mut s = b
            .tag
            .wrapping_add(b.len as u64)
            .wrapping_add(u64::from(b.n));
        for d in &b.data {
            s = s.wrapping_add(u64::from(*d));
        }
        for p in &b.pts {
            s = s
                .wrapping_add(i64::from(p.x) as u64)
                .wrapping_add(p.y as u64);
        }
        s
    }
    fn deep_inout(&self, b: &mut enclave::blob) {
        if b.data.pop().is_some() {
            b.len -= 1;
        }
        b.pts.iter_mut().for_each(|p| p.x += 1);
        b.tag += 7;
    }
    fn deep_grow(&self, b: &mut enclave::blob) {
        b.data.push(0xAA);
        b.len += 1;
        b.pts.push(enclave::pt {
            x: -1,
            y: -2,
            tag: 3,
        });
        b.n += 1;
    }
    fn foreign(&self, buf: &[u8], arr: &[i32; 4], total: &mut u64) -> i32 {
        *total = buf.iter().map(|b| u64::from(*b)).sum();
        arr[0] + arr[3]
    }
    fn raw_array(&self, raw: UserPtr) -> u64 {
        raw.0 ^ 0xf0f0
    }
    fn bump(&self, c: &mut u64, add: &u64) -> u64 {
        *c += *add;
        *c * 2
    }
    fn float_sized(&self, buf: &[u8], _len: f64, w: &mut [u16], _n: f32) -> u32 {
        for (i, x) in w.iter_mut().enumerate() {
            *x = (i * 3 + 1) as u16;
        }
        buf.iter().map(|b| u32::from(*b)).sum()
    }
    fn ptr_list(&self, ptrs: &[UserPtr]) -> i64 {
        ptrs.iter().fold(0u64, |s, p| s.wrapping_add(p.0)) as i64
    }
    fn out_structs(&self, pts: &mut [enclave::pt]) {
        for (i, p) in pts.iter_mut().enumerate() {
            *p = enclave::pt {
                x: i as i16,
                y: -(i as i64),
                tag: 0xa0 + i as u8,
            };
        }
    }
    fn ld(&self, v: &mut [f64; 2], x: f64) -> f64 {
        v[0] *= 2.0;
        v[1] *= 2.0;
        v[0] + v[1] + x
    }
    fn flip(&self, fs: &[enclave::flags], bits: &mut [bool; 2]) -> enclave::flags {
        let first = fs.first().is_some_and(|f| f.on);
        *bits = [first, !first];
        enclave::flags {
            on: !first,
            scale: fs.iter().map(|f| f.scale).sum(),
            k: [fs.len() as i8, fs.first().map_or(0, |f| f.k[1]), -1],
        }
    }
    fn deep_many(&self, bs: &mut [enclave::blob]) -> u64 {
        for (i, b) in bs.iter_mut().enumerate() {
            b.tag += i as u64 + 1;
            b.pts.iter_mut().for_each(|p| p.tag = i as u8);
        }
        bs.iter().map(|b| b.len as u64).sum()
    }
    fn sw(&self, buf: &mut [u8]) -> i32 {
        buf.reverse();
        buf.len() as i32
    }
    fn private_op(&self, x: i32) -> i32 {
        x * 10
    }
}

struct RustHost;

impl host::Untrusted for RustHost {
    fn host_read(&self, buf: &mut [u8]) -> i32 {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = b"hostdata"[i % 8];
        }
        // A failing system call leaves errno = EINVAL, as the C host sets it.
        let _ = std::fs::read_link("/");
        buf.len() as i32
    }
    fn host_log(&self, _msg: &CStr) {}
    fn host_back(&self, x: i32) -> i32 {
        x * 3
    }
    fn host_sw(&self) {}
    fn host_mix(&self, pts: &[host::pt], u: &mut host::num, o: &mut host::pt) -> u64 {
        *o = host::pt {
            x: pts.iter().map(|p| i64::from(p.x)).sum::<i64>() as i16,
            y: pts.iter().map(|p| p.y).sum(),
            tag: pts.len() as u8,
        };
        u.set_w(u.w() ^ 0xffff);
        pts.len() as u64
    }
}

/// One message exchange: how it was sent, the request, the reply.
#[derive(Clone)]
struct Exchange {
    how: &'static str,
    request: Vec<u8>,
    reply: Vec<u8>,
}

/// Carries requests to the Rust enclave (ECALLs) or host (OCALLs) and
/// keeps every exchange.
#[derive(Default)]
struct Recorder {
    ocalls: bool,
    log: RefCell<Vec<Exchange>>,
}

impl Recorder {
    fn serve(&self, how: &'static str, request: Vec<u8>) -> Vec<u8> {
        let reply = if self.ocalls {
            host::dispatch_ocall(&RustHost, &request)
        } else {
            enclave::dispatch_ecall(&RustEnclave, &EcallContext::TOP_LEVEL, &request)
        };
        self.log.borrow_mut().push(Exchange {
            how,
            request,
            reply: reply.clone(),
        });
        reply
    }
}

impl Transport for Recorder {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        Ok(self.serve("s=0", request))
    }
    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        Ok(self.serve("s=1", request))
    }
    fn submit_async(&self, request: Vec<u8>) -> Result<Submitted, Error> {
        Ok(Submitted::Completed(self.serve("a=1", request)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rc<T>(r: &Result<T, Error>) -> u32 {
    r.as_ref().map_or_else(Error::code, |_| 0)
}

fn line(tag: &str, name: &str, code: u32, fields: &[String]) -> String {
    let mut s = format!("{tag} {name} rc={code:08x}");
    for f in fields {
        s.push(' ');
        s.push_str(f);
    }
    s
}

fn pt_text(p: &host::pt) -> String {
    format!("pt=({},{},{})", p.x, p.y, p.tag)
}

fn blob_fields(b: &host::blob) -> Vec<String> {
    let mut f = vec![
        format!("len={}", b.len),
        format!("data={}", hex(&b.data)),
        format!("n={}", b.n),
    ];
    f.extend(b.pts.iter().map(pt_text));
    f.push(format!("tag={}", b.tag));
    f
}

fn sample_blob() -> host::blob {
    host::blob {
        len: 3,
        data: vec![1, 2, 3],
        n: 2,
        pts: vec![
            host::pt {
                x: 1,
                y: 10,
                tag: 0,
            },
            host::pt {
                x: 2,
                y: 20,
                tag: 0,
            },
        ],
        tag: 100,
    }
}

fn f64_hex(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

/// The host's calls through the Rust client, in the harness's order, and
/// the results as the C harness prints them.
fn rust_host_calls(c: &host::Client<&Recorder>) -> Vec<String> {
    let mut out = Vec::new();
    let r = c.scalars(
        -5,
        60000,
        -70000,
        1 << 40,
        b'A',
        123_456_789,
        -42,
        65535,
        1.5,
        -2.25,
        true,
        0.5,
        0x263A,
        -7,
    );
    out.push(line(
        "RES",
        "scalars",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let r = c.in_size(&[1, 2, 3, 250]);
    out.push(line(
        "RES",
        "in_size",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut dst = [0u8; 3];
    let r = c.in_out_shared(&[10, 20, 30], &mut dst, 3);
    out.push(line(
        "RES",
        "in_out_shared",
        rc(&r),
        &[format!("dst={}", hex(&dst))],
    ));
    let mut buf = [0x11u8; 16];
    let r = c.out_const(&mut buf);
    out.push(line(
        "RES",
        "out_const",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("buf={}", hex(&buf)),
        ],
    ));
    let mut v = [1i32, -2, 3];
    let r = c.inout_count(&mut v, 10);
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    out.push(line(
        "RES",
        "inout_count",
        rc(&r),
        &[format!("v={}", hex(&bytes))],
    ));
    let r = c.size_count(&[1, 2, 3, 4], 2);
    out.push(line(
        "RES",
        "size_count",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut o = [b'.'; 8];
    let r = c.in_string(c"edl", &mut o);
    out.push(line(
        "RES",
        "in_string",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("out={}", hex(&o)),
        ],
    ));
    let mut s = *b"MiXed\0tail\0";
    let r = c.inout_string(&mut s);
    out.push(line(
        "RES",
        "inout_string",
        rc(&r),
        &[format!("s={}", hex(&s))],
    ));
    let r = c.wide_in(&[104, 101, 121, 0]);
    out.push(line(
        "RES",
        "wide_in",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut w = [97i32, 98, 99, 0];
    let r = c.wide_inout(&mut w);
    let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
    out.push(line(
        "RES",
        "wide_inout",
        rc(&r),
        &[format!("s={}", hex(&bytes))],
    ));
    let mut u = host::num::zeroed();
    u.set_u(0x0102_0304);
    let r = c.by_value(
        host::pt {
            x: -3,
            y: 1 << 35,
            tag: 9,
        },
        host::BLUE,
        u,
        host::BIG_HUGE,
    );
    let p = r.as_ref().copied().unwrap_or(host::pt::zeroed());
    out.push(line(
        "RES",
        "by_value",
        rc(&r),
        &[format!("ret={}", &pt_text(&p)[3..])],
    ));
    let mut p = host::pt {
        x: 7,
        y: -8,
        tag: 250,
    };
    let r = c.ptr_struct(&mut p);
    out.push(line(
        "RES",
        "ptr_struct",
        rc(&r),
        &[format!("p={}", &pt_text(&p)[3..])],
    ));
    let r = c.user_ptr(UserPtr(0x1234), UserPtr(0x5678));
    out.push(line(
        "RES",
        "user_ptr",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut t = [[0i32; 2]; 3];
    let mut v = [1u8, 2, 3, 4, 200];
    let r = c.arrays(&[[1, 2, 3], [4, 5, 6]], &mut t, &mut v);
    let tb: Vec<u8> = t.iter().flatten().flat_map(|x| x.to_le_bytes()).collect();
    out.push(line(
        "RES",
        "arrays",
        rc(&r),
        &[format!("t={}", hex(&tb)), format!("v={}", hex(&v))],
    ));
    let r = c.deep_in(&sample_blob());
    out.push(line(
        "RES",
        "deep_in",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut b = sample_blob();
    let r = c.deep_inout(&mut b);
    out.push(line("RES", "deep_inout", rc(&r), &blob_fields(&b)));
    let mut b = sample_blob();
    let r = c.deep_grow(&mut b);
    assert!(
        r.is_ok() && b.len == 4,
        "the Rust host takes the grown structure"
    );
    // A C caller's buffers cannot grow: it refuses the reply, keeping its data.
    out.push(line(
        "RES",
        "deep_grow",
        0xFFFF_0010,
        &blob_fields(&sample_blob()),
    ));
    let mut total = 0;
    let r = c.foreign(&[5, 6, 7], &[9, 8, 7, 6], &mut total);
    out.push(line(
        "RES",
        "foreign",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("total={total}"),
        ],
    ));
    let r = c.ptr_list(&[UserPtr(0x10), UserPtr(0x20), UserPtr(0x30)]);
    out.push(line(
        "RES",
        "ptr_list",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut pts = [host::pt::zeroed(); 3];
    let r = c.out_structs(&mut pts);
    out.push(line(
        "RES",
        "out_structs",
        rc(&r),
        &pts.iter().map(pt_text).collect::<Vec<_>>(),
    ));
    let mut v = [1.5, 2.25];
    let r = c.ld(&mut v, 0.125);
    out.push(line(
        "RES",
        "ld",
        rc(&r),
        &[
            format!("ret={}", f64_hex(r.as_ref().map_or(0.0, |v| *v))),
            format!("v0={}", f64_hex(v[0])),
            format!("v1={}", f64_hex(v[1])),
        ],
    ));
    let fs = [
        host::flags {
            on: true,
            scale: 0.5,
            k: [1, 2, 3],
        },
        host::flags {
            on: false,
            scale: 0.25,
            k: [4, 5, 6],
        },
    ];
    let mut bits = [false; 2];
    let r = c.flip(&fs, &mut bits);
    let f = r.as_ref().copied().unwrap_or(host::flags::zeroed());
    out.push(line(
        "RES",
        "flip",
        rc(&r),
        &[
            format!(
                "on={} scale={} k={},{},{}",
                u8::from(f.on),
                f64_hex(f.scale),
                f.k[0],
                f.k[1],
                f.k[2]
            ),
            format!("bits={}{}", u8::from(bits[0]), u8::from(bits[1])),
        ],
    ));
    let mut bs = [sample_blob(), sample_blob()];
    let r = c.deep_many(&mut bs);
    let mut fields = vec![format!("ret={}", r.as_ref().map_or(0, |v| *v))];
    for b in &bs {
        fields.extend(blob_fields(b));
    }
    out.push(line("RES", "deep_many", rc(&r), &fields));
    let mut buf = *b"abcd";
    let r = c.sw(&mut buf);
    out.push(line(
        "RES",
        "sw",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("buf={}", hex(&buf)),
        ],
    ));
    let mut buf = *b"wxyz";
    let (r, task) = match c.sw_async(&mut buf) {
        Ok(call) => {
            let task = if call.id().is_some() { 0 } else { -1 };
            (call.join(), task)
        }
        Err(e) => (Err(e), 0),
    };
    out.push(line(
        "RES",
        "sw_async",
        rc(&r),
        &[
            format!("task={task}"),
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("buf={}", hex(&buf)),
        ],
    ));
    let r = c.private_op(5);
    out.push(line(
        "RES",
        "private_op",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let r = c.raw_array(UserPtr(0x9abc));
    out.push(line(
        "RES",
        "raw_array",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let mut counter = 40u64;
    let r = c.bump(&mut counter, &2);
    out.push(line(
        "RES",
        "bump",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("c={counter}"),
        ],
    ));
    let mut w = [0xffffu16; 2];
    // 3.7 bytes: C truncates the size to 3, and so must the Rust binding.
    let r = c.float_sized(&[7, 8, 9], 3.7, &mut w, 2.0);
    let wb: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
    out.push(line(
        "RES",
        "float_sized",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("w={}", hex(&wb)),
        ],
    ));
    let r = c.float_sized(&[7, 8, 9], -1.0, &mut [0u16; 2], 2.0);
    out.push(line(
        "RES",
        "negative_float",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let r = c.size_count(&[1, 2, 3, 4], -1);
    out.push(line(
        "RES",
        "negative_count",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    // C only: a Rust caller has no NULL buffers.
    out.push(line("RES", "null_buffer", 0xFFFF_0006, &["ret=0".into()]));
    out.push(line("RES", "null_struct", 0xFFFF_0006, &[]));
    out
}

/// The enclave's OCALLs through the Rust client, as the C harness prints them.
fn rust_enclave_ocalls(c: &enclave::OcallClient<&Recorder>) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 6];
    let r = c.host_read(&mut buf);
    out.push(line(
        "ORES",
        "host_read",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("errno={}", secgear_abi::last_ocall_errno()),
            format!("buf={}", hex(&buf)),
        ],
    ));
    let r = c.host_log(c"from the C enclave");
    out.push(line("ORES", "host_log", rc(&r), &[]));
    let r = c.host_back(14);
    out.push(line(
        "ORES",
        "host_back",
        rc(&r),
        &[format!("ret={}", r.as_ref().map_or(0, |v| *v))],
    ));
    let r = c.host_sw();
    out.push(line("ORES", "host_sw", rc(&r), &[]));
    let mut u = enclave::num::zeroed();
    u.set_w(0x1111);
    let mut o = enclave::pt::zeroed();
    let pts = [
        enclave::pt {
            x: 1,
            y: 100,
            tag: 0,
        },
        enclave::pt {
            x: -4,
            y: 200,
            tag: 0,
        },
    ];
    let r = c.host_mix(&pts, &mut u, &mut o);
    out.push(line(
        "ORES",
        "host_mix",
        rc(&r),
        &[
            format!("ret={}", r.as_ref().map_or(0, |v| *v)),
            format!("u={:x}", u.w()),
            format!("o=({},{},{})", o.x, o.y, o.tag),
        ],
    ));
    out.push(line("ORES", "null_string", 0xFFFF_0006, &[]));
    out
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The staticlib cargo built for the secgear-c-abi dependency, next to this
/// test (the newest, should older builds linger).
fn c_abi_staticlib() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let deps = exe.parent().expect("deps dir");
    std::fs::read_dir(deps)
        .expect("deps")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libsecgear_c_abi-") && n.ends_with(".a"))
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("libsecgear_c_abi-*.a next to the test")
}

/// Generates both sides' C into `dir`.
fn generate_c(dir: &Path) {
    let edl = crate_dir().join("edl/compat.edl");
    let compiled = secgear_edl::compile_file(&edl, &Options::default()).expect("read");
    assert!(!compiled.has_errors(), "{}", compiled.render_diagnostics());
    for side in [Side::Host, Side::Enclave] {
        let files = compiled
            .generate_c(
                side,
                &CGenOptions {
                    stem: "compat".into(),
                    source_name: "compat.edl".into(),
                },
            )
            .expect("generate");
        std::fs::write(dir.join(&files.header_name), &files.header).expect("write");
        std::fs::write(dir.join(&files.source_name), &files.source).expect("write");
    }
}

fn build(dir: &Path, harness: &str, generated: &str, output: &str) -> PathBuf {
    let exe = dir.join(output);
    let status = Command::new("gcc")
        .args([
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            "-DSECGEAR_NO_ENCLAVE_MAIN",
        ])
        .args(sanitizers())
        .arg("-I")
        .arg(crate_dir().join("../../sdk/include/secGear"))
        .arg("-I")
        .arg(crate_dir().join("edl"))
        .arg("-I")
        .arg(crate_dir().join("c"))
        .arg("-I")
        .arg(dir)
        .arg(crate_dir().join("c").join(harness))
        .arg(dir.join(generated))
        .arg(c_abi_staticlib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed for {harness}");
    exe
}

/// AddressSanitizer and UBSan when this gcc has them: the generated code's
/// frees and copies are checked as the calls run.
fn sanitizers() -> &'static [&'static str] {
    static FLAGS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    const ON: &[&str] = &["-fsanitize=address,undefined", "-fno-sanitize-recover=all"];
    let usable = *FLAGS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sg-asan-probe-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let src = dir.join("probe.c");
        let ok = std::fs::write(&src, "int main(void) { return 0; }\n").is_ok()
            && Command::new("gcc")
                .args(ON)
                .arg(&src)
                .arg("-o")
                .arg(dir.join("probe"))
                .status()
                .is_ok_and(|s| s.success());
        let _ = std::fs::remove_dir_all(&dir);
        ok
    });
    if usable { ON } else { &[] }
}

fn run(exe: &Path, args: &[&Path]) -> Vec<String> {
    let out = Command::new(exe).args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

fn with_tag(lines: &[String], tag: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.split(' ').next() == Some(tag))
        .cloned()
        .collect()
}

fn write_lines(path: &Path, messages: impl Iterator<Item = Vec<u8>>) {
    let text: String = messages.map(|m| hex(&m) + "\n").collect();
    std::fs::write(path, text).expect("write");
}

fn assert_same(what: &str, c: &[String], rust: &[String]) {
    if std::env::var_os("SECGEAR_COMPAT_VERBOSE").is_some() {
        eprintln!("{what}: {} lines\n  {}", c.len(), c.join("\n  "));
    }
    for (i, (a, b)) in c.iter().zip(rust).enumerate() {
        assert_eq!(a, b, "{what} #{i}: C (left) and Rust (right) differ");
    }
    assert_eq!(c.len(), rust.len(), "{what}: C {c:#?}\nRust {rust:#?}");
}

#[test]
fn c_and_rust_bindings_exchange_the_same_bytes() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    generate_c(dir);
    let host_exe = build(dir, "host_harness.c", "compat_u.c", "host");
    let enclave_exe = build(dir, "enclave_harness.c", "compat_t.c", "enclave");

    // The Rust side, host to enclave and back.
    let ecalls = Recorder::default();
    let rust_results = rust_host_calls(&host::Client::new(&ecalls));
    let ecalls = ecalls.log.into_inner();
    let ocalls = Recorder {
        ocalls: true,
        ..Recorder::default()
    };
    let rust_oresults = rust_enclave_ocalls(&enclave::OcallClient::new(&ocalls));
    let ocalls = ocalls.log.into_inner();

    // A C host sends what the Rust host sends...
    let dash = Path::new("-");
    let phase1 = run(&host_exe, &[dash, dash]);
    let rust_requests: Vec<String> = ecalls
        .iter()
        .map(|e| format!("REQ {} {}", e.how, hex(&e.request)))
        .collect();
    assert_same("ECALL request", &with_tag(&phase1, "REQ"), &rust_requests);

    // ...decodes the Rust enclave's replies as the Rust host does, and
    // answers the Rust enclave's OCALLs with the Rust host's bytes.
    let replies = dir.join("replies.txt");
    write_lines(&replies, ecalls.iter().map(|e| e.reply.clone()));
    let orequests = dir.join("orequests.txt");
    write_lines(&orequests, ocalls.iter().map(|e| e.request.clone()));
    let phase2 = run(&host_exe, &[&replies, &orequests]);
    assert_same("ECALL result", &with_tag(&phase2, "RES"), &rust_results);
    let rust_oreplies: Vec<String> = ocalls
        .iter()
        .map(|e| format!("OREP {}", hex(&e.reply)))
        .collect();
    assert_same("OCALL reply", &with_tag(&phase2, "OREP"), &rust_oreplies);

    // A C enclave replies to the Rust host's requests with the Rust
    // enclave's bytes (but for deep_grow, whose C implementation cannot
    // grow the caller's structure)...
    let requests = dir.join("requests.txt");
    write_lines(&requests, ecalls.iter().map(|e| e.request.clone()));
    let enclave1 = run(&enclave_exe, &[&requests, dash]);
    let grow = enclave::ecall_ids::deep_grow;
    let (c_replies, rust_replies): (Vec<String>, Vec<String>) = with_tag(&enclave1, "REP")
        .into_iter()
        .zip(ecalls.iter())
        .filter(|(_, e)| {
            secgear_abi::Reader::request(&e.request).map_or(true, |(h, _)| h.function_id != grow)
        })
        .map(|(c, e)| (c, format!("REP {}", hex(&e.reply))))
        .unzip();
    assert_eq!(c_replies.len(), ecalls.len() - 1, "{enclave1:#?}");
    assert_same("ECALL reply", &c_replies, &rust_replies);

    // ...sends the OCALL requests the Rust enclave sends, and decodes the
    // Rust host's replies as the Rust enclave does.
    let rust_orequests: Vec<String> = ocalls
        .iter()
        .map(|e| format!("OREQ {} {}", e.how, hex(&e.request)))
        .collect();
    assert_same(
        "OCALL request",
        &with_tag(&enclave1, "OREQ"),
        &rust_orequests,
    );
    let oreplies = dir.join("oreplies.txt");
    write_lines(&oreplies, ocalls.iter().map(|e| e.reply.clone()));
    let enclave2 = run(&enclave_exe, &[dash, &oreplies]);
    assert_same("OCALL result", &with_tag(&enclave2, "ORES"), &rust_oresults);
}

/// What a hostile host might send a C enclave: the C dispatcher refuses
/// it with the status the Rust dispatcher gives.
#[test]
fn a_c_enclave_refuses_bad_requests_as_the_rust_one_does() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    generate_c(dir);
    let enclave_exe = build(dir, "enclave_harness.c", "compat_t.c", "enclave");
    let ecalls = Recorder::default();
    let client = host::Client::new(&ecalls);
    let _ = client.in_size(&[1, 2, 3]);
    let _ = client.in_string(c"abc", &mut [0; 4]);
    let _ = client.in_out_shared(&[1, 2], &mut [0; 2], 2);
    let _ = client.deep_in(&sample_blob());
    let valid: Vec<Vec<u8>> = ecalls
        .log
        .into_inner()
        .into_iter()
        .map(|e| e.request)
        .collect();
    let mut bad: Vec<Vec<u8>> = Vec::new();
    // Truncated, with trailing bytes, a sequence longer than the message.
    bad.push(valid[0][..valid[0].len() - 1].to_vec());
    bad.push([valid[0].clone(), vec![0]].concat());
    let mut long = valid[0].clone();
    long[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    bad.push(long);
    // A string with an interior NUL.
    let mut nul = valid[1].clone();
    nul[17] = 0;
    bad.push(nul);
    // A size argument that disagrees with its buffer.
    let mut size = valid[2].clone();
    let at = size.len() - 4;
    size[at..].copy_from_slice(&3i32.to_le_bytes());
    bad.push(size);
    // A deep structure whose count member disagrees with its data.
    let mut deep = valid[3].clone();
    deep[8..16].copy_from_slice(&4u64.to_le_bytes());
    bad.push(deep);
    // An [out] region beyond the limit of one call.
    let mut huge = secgear_abi::Writer::request(
        secgear_abi::CallKind::Ecall,
        enclave::ecall_ids::out_structs,
    );
    huge.put_count(1 << 40);
    bad.push(huge.finish());
    let path = dir.join("bad.txt");
    write_lines(&path, bad.iter().cloned());
    let c = with_tag(&run(&enclave_exe, &[&path, Path::new("-")]), "REP");
    let rust: Vec<String> = bad
        .iter()
        .map(|m| {
            let reply = enclave::dispatch_ecall(&RustEnclave, &EcallContext::TOP_LEVEL, m);
            assert_ne!(reply[4..8], [0, 0, 0, 0], "refused by Rust");
            format!("REP {}", hex(&reply))
        })
        .collect();
    assert_same("refusal", &c, &rust);
}
