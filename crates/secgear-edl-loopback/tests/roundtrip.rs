//! Property tests: every parameter kind survives the trip host → enclave →
//! host unchanged (or changed exactly as the enclave function says).

mod common;
use common::wire;
use proptest::prelude::*;
use secgear_abi::UserPtr;
use secgear_edl_loopback::host;
use std::ffi::CString;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn in_and_out_byte_buffers(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let (_, c) = wire();
        let mut dst = vec![0u8; data.len()];
        c.echo(&data, &mut dst, data.len()).expect("echo");
        prop_assert_eq!(&dst, &data);
        let mut filled = vec![1u8; data.len()];
        c.fill(&mut filled, 9).expect("fill");
        prop_assert!(filled.iter().all(|b| *b == 9));
    }

    #[test]
    fn counted_integer_and_float_arrays(xs in proptest::collection::vec(any::<u32>(), 0..512),
                                        vs in proptest::collection::vec(-1e9f64..1e9, 0..64), f in -8f64..8.0) {
        let (_, c) = wire();
        prop_assert_eq!(c.sum(&xs).expect("sum"), xs.iter().map(|x| u64::from(*x)).sum::<u64>());
        let mut scaled = vs.clone();
        c.scale(&mut scaled, f).expect("scale");
        prop_assert_eq!(scaled, vs.iter().map(|v| v * f).collect::<Vec<_>>());
    }

    #[test]
    fn strings(name in "[^\u{0}]{0,40}", s in "[a-z ]{0,40}", w in proptest::collection::vec(1i32..0x10FFFF, 0..40)) {
        let (_, c) = wire();
        let cname = CString::new(name.clone()).expect("no NUL");
        let mut out = vec![0u8; 256];
        let n = c.greet(&cname, &mut out).expect("greet");
        let want = format!("hello, {name}");
        prop_assert_eq!(&out[..n], &want.as_bytes()[..n.min(want.len())]);
        let mut buf = s.clone().into_bytes();
        buf.push(0);
        c.upper(&mut buf).expect("upper");
        let upper = s.to_ascii_uppercase();
        prop_assert_eq!(&buf[..s.len()], upper.as_bytes());
        let mut wide = w.clone();
        wide.push(0);
        prop_assert_eq!(c.wlen(&wide).expect("wlen"), w.len());
    }

    #[test]
    fn structs_arrays_scalars(x in any::<i32>(), y in any::<i32>(), m in any::<[[i32; 3]; 2]>(),
                              u in any::<u32>(), p in any::<u64>(), a in -1e6f64..1e6, b in 0u64..1_000_000, z in any::<i8>(), flag in any::<bool>()) {
        let (_, c) = wire();
        prop_assert_eq!(c.mirror(host::point { x, y }).expect("mirror"), host::point { x: y, y: x });
        let mut t = [[0; 2]; 3];
        c.transpose(&m, &mut t).expect("transpose");
        for i in 0..2 { for j in 0..3 { prop_assert_eq!(t[j][i], m[i][j]); } }
        prop_assert_eq!(c.as_num(u).expect("union").u(), u);
        prop_assert_eq!(c.address(UserPtr(p)).expect("ptr"), p);
        prop_assert_eq!(c.add(x, y).expect("add"), x.wrapping_add(y));
        let got = c.wide(a, b, z, flag).expect("wide");
        prop_assert_eq!(got, a + b as f64 + f64::from(z) + f64::from(u8::from(flag)));
    }

    #[test]
    fn deep_copy(data in proptest::collection::vec(any::<u8>(), 0..256),
                 pts in proptest::collection::vec((-1000i32..1000, -1000i32..1000), 0..32), tag in 0u64..1 << 40) {
        let (_, c) = wire();
        let mut b = host::blob {
            len: data.len(),
            data: data.clone(),
            n: pts.len() as u32,
            pts: pts.iter().map(|(x, y)| host::point { x: *x, y: *y }).collect(),
            tag,
        };
        let want = data.iter().map(|v| u64::from(*v)).sum::<u64>()
            .wrapping_add(pts.iter().map(|(x, y)| i64::from(*x) + i64::from(*y)).sum::<i64>() as u64)
            .wrapping_add(tag);
        prop_assert_eq!(c.blob_sum(&b).expect("sum"), want);
        c.blob_grow(&mut b).expect("grow");
        prop_assert_eq!(b.data.len(), data.len() + 1);
        prop_assert_eq!(b.len, data.len() + 1);
        prop_assert_eq!(b.pts.len(), pts.len() + 1);
    }
}
