//! Property tests: any sequence of messages round-trips in order; any
//! deviation in the record stream is detected and nothing wrong is delivered.

mod common;
use common::*;
use proptest::prelude::*;
use secgear_channel::*;
use std::time::Instant;

fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(
        prop_oneof![
            8 => proptest::collection::vec(any::<u8>(), 0..300),
            1 => proptest::collection::vec(any::<u8>(), 60_000..140_000),
        ],
        1..12,
    )
}

#[derive(Debug, Clone)]
enum Deviation {
    Drop(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Flip(usize, usize, u8),
}

fn deviation() -> impl Strategy<Value = Deviation> {
    prop_oneof![
        any::<usize>().prop_map(Deviation::Drop),
        any::<usize>().prop_map(Deviation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Deviation::Swap(a, b)),
        (any::<usize>(), any::<usize>(), 1u8..=255).prop_map(|(a, b, m)| Deviation::Flip(a, b, m)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_sequence_round_trips_in_order(msgs in messages()) {
        let mut server = server_with(MEASUREMENT);
        let mut c = connect(&mut server);
        let now = Instant::now();
        let mut received = Vec::new();
        for m in &msgs {
            for f in c.encrypt(m).expect("seal") {
                if let (_, Delivered::Message(got)) = server.decrypt(&f, now).expect("open") {
                    received.push(got);
                }
            }
        }
        prop_assert_eq!(&received, &msgs);
        let mut back = Vec::new();
        for m in &msgs {
            for f in server.encrypt(&c.session(), m, now).expect("seal") {
                if let Some(got) = c.decrypt(&f).expect("open") {
                    back.push(got);
                }
            }
        }
        prop_assert_eq!(&back, &msgs);
    }

    #[test]
    fn any_deviation_is_detected(msgs in messages(), dev in deviation()) {
        let mut server = server_with(MEASUREMENT);
        let mut c = connect(&mut server);
        let now = Instant::now();
        let mut frames: Vec<Vec<u8>> = msgs.iter().flat_map(|m| c.encrypt(m).expect("seal")).collect();
        let n = frames.len();
        let changed = match dev {
            // Dropping the very last frame is invisible until the next one: skip that case.
            Deviation::Drop(i) if n > 1 => { frames.remove(i % (n - 1)); true }
            Deviation::Duplicate(i) => { let f = frames[i % n].clone(); frames.insert(i % n + 1, f); true }
            Deviation::Swap(a, b) if a % n != b % n => { frames.swap(a % n, b % n); true }
            Deviation::Flip(i, byte, mask) => {
                let f = &mut frames[i % n];
                let at = byte % f.len();
                f[at] ^= mask;
                true
            }
            _ => false,
        };
        prop_assume!(changed);
        let mut delivered = Vec::new();
        let mut errors = 0;
        for f in &frames {
            match server.decrypt(f, now) {
                Ok((_, Delivered::Message(m))) => delivered.push(m),
                Ok(_) => {}
                Err(_) => errors += 1,
            }
        }
        prop_assert!(errors > 0, "the deviation went unnoticed");
        // What was delivered is the true sequence, in order, each at most once.
        prop_assert!(delivered.len() <= msgs.len());
        prop_assert_eq!(&delivered[..], &msgs[..delivered.len()]);
    }
}
