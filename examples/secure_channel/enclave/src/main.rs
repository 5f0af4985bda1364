//! The secure-channel example's enclave: the only place the numbers exist
//! in the clear.
#![forbid(unsafe_code)]

use secgear_enclave::channel::{self, Received};

mod edl {
    secgear_abi::include_enclave!("secure_channel");
}

struct Summer;

fn sum(message: &[u8]) -> u64 {
    message
        .chunks_exact(8)
        .filter_map(|c| c.try_into().ok().map(u64::from_le_bytes))
        .fold(0u64, u64::wrapping_add)
}

impl edl::Trusted for Summer {
    fn process(&self, frames: &[u8], reply: &mut [u8], reply_len: &mut usize) -> i32 {
        let frames = match channel::wire::split(frames) {
            Ok(f) => f,
            Err(_) => return secgear_enclave::ErrorCode::BadFormat.code() as i32,
        };
        let mut out = Vec::new();
        let mut closed = false;
        for frame in frames {
            match channel::decrypt(frame) {
                Ok((session, Received::Message(m))) => {
                    let answer = format!("sum={}", sum(&m));
                    match channel::encrypt(&session, answer.as_bytes()) {
                        Ok(f) => out.extend(f.concat()),
                        Err(e) => return e.kind().code() as i32,
                    }
                }
                Ok((_, Received::Partial)) => {}
                Ok((_, Received::Closed)) => closed = true,
                Err(e) => {
                    tracing::warn!("refused a record: {e}");
                    return e.kind().code() as i32;
                }
            }
        }
        if out.len() > reply.len() {
            return secgear_enclave::ErrorCode::ShortBuffer.code() as i32;
        }
        reply[..out.len()].copy_from_slice(&out);
        *reply_len = out.len();
        i32::from(closed)
    }
}

secgear_enclave::entry!(edl, Summer);
