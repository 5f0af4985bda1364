//! Enclave behaviours the integration tests need, good and bad.
#![deny(unsafe_code)]

mod probes;

use secgear_enclave::{SealPolicy, abi::Transport};

mod edl {
    secgear_abi::include_enclave!("tests");
}

struct TestEnclave;

/// A client verifier for the mutual-attestation test: the client's
/// "evidence" must carry this session's binding.
struct ClientBinding;

impl secgear_enclave::channel::EvidenceVerifier for ClientBinding {
    fn verify(
        &self,
        evidence: &[u8],
        report_data: &[u8; 64],
    ) -> Result<(), secgear_enclave::channel::Refusal> {
        match evidence.strip_prefix(b"client:") {
            Some(binding) if binding == report_data => Ok(()),
            Some(_) => Err(secgear_enclave::channel::Refusal::Binding),
            None => Err(secgear_enclave::channel::Refusal::Evidence(
                "not a test client's evidence".into(),
            )),
        }
    }
}

fn host() -> edl::OcallClient<secgear_enclave::HostTransport> {
    edl::OcallClient::new(secgear_enclave::host())
}

fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(-1)
}

impl edl::Trusted for TestEnclave {
    fn add(&self, a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    fn echo(&self, src: &[u8], dst: &mut [u8], _len: usize) {
        dst.copy_from_slice(src);
    }

    fn sleep_ms(&self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(ms.into()));
    }

    fn try_open_file(&self, path: &std::ffi::CStr) -> i32 {
        match std::fs::File::open(path.to_string_lossy().as_ref()) {
            Ok(_) => 0,
            Err(e) => errno_of(&e),
        }
    }

    fn try_socket(&self) -> i32 {
        match std::net::UdpSocket::bind("127.0.0.1:0") {
            Ok(_) => 0,
            Err(e) => errno_of(&e),
        }
    }

    fn try_exec(&self) -> i32 {
        probes::exec_true()
    }

    fn try_exec_memory(&self, how: i32) -> i32 {
        probes::executable_memory(how)
    }

    fn try_alloc(&self, bytes: u64) -> i32 {
        let mut v: Vec<u8> = Vec::new();
        match v.try_reserve_exact(bytes as usize) {
            Ok(()) => {
                // Touch it, so the pages are really there.
                v.resize(bytes as usize, 1);
                i32::from(v.iter().step_by(4096).all(|b| *b == 1))
            }
            Err(_) => -1,
        }
    }

    fn dumpable(&self) -> i32 {
        probes::dumpable()
    }

    /// 0: defaults; 1: admit only the client static key `key`; 2: mutual
    /// attestation, admitting clients whose evidence is `client:` followed
    /// by the handshake's binding.
    fn channel_configure(&self, mode: i32, key: &[u8]) -> i32 {
        use secgear_enclave::channel::{self, ChannelSettings};
        let mut settings = ChannelSettings::default();
        match mode {
            0 => {}
            1 => settings.client_keys = Some(vec![key.to_vec()]),
            2 => settings.client_verifier = Some(Box::new(ClientBinding)),
            _ => return -1,
        }
        match channel::configure(settings) {
            Ok(()) => 0,
            Err(e) => e.kind().code() as i32,
        }
    }

    fn try_write_stderr(&self) -> i32 {
        use std::io::Write;
        match std::io::stderr().write_all(b"escaped\n") {
            Ok(()) => 0,
            Err(e) => errno_of(&e),
        }
    }

    fn crash(&self, how: i32) {
        match how {
            0 => panic!("deliberate panic for the death test"),
            _ => std::process::abort(),
        }
    }

    fn seal(&self, data: &[u8], policy: u8, blob: &mut [u8]) -> usize {
        let policy = if policy == 2 {
            SealPolicy::Signer
        } else {
            SealPolicy::Measurement
        };
        match secgear_enclave::seal(data, b"test-aad", policy) {
            Ok(sealed) if sealed.len() <= blob.len() => {
                blob[..sealed.len()].copy_from_slice(&sealed);
                sealed.len()
            }
            _ => 0,
        }
    }

    fn unseal(&self, blob: &[u8], data: &mut [u8], data_len: &mut usize) -> i32 {
        match secgear_enclave::unseal(blob) {
            Ok(u) if u.data.len() <= data.len() && u.aad == b"test-aad" => {
                data[..u.data.len()].copy_from_slice(&u.data);
                *data_len = u.data.len();
                0
            }
            Ok(_) => -1,
            Err(e) => e.code() as i32,
        }
    }

    fn get_report(&self, report_data: &[u8; 64], evidence: &mut [u8], len: &mut usize) -> i32 {
        match secgear_enclave::report(report_data) {
            Ok(ev) if ev.0.len() <= evidence.len() => {
                evidence[..ev.0.len()].copy_from_slice(&ev.0);
                *len = ev.0.len();
                0
            }
            Ok(_) => -1,
            Err(e) => e.code() as i32,
        }
    }

    fn call_host(&self, x: i32) -> i32 {
        host().host_double(x).unwrap_or(-1)
    }

    fn triple(&self, x: i32) -> i32 {
        x.wrapping_mul(3)
    }

    fn raw_ocall(&self, bytes: &[u8]) -> i32 {
        match secgear_enclave::host().call(bytes.to_vec()) {
            Ok(reply) => match secgear_enclave::abi::Reader::reply(&reply) {
                Ok(_) => 0,
                Err(e) => e.code() as i32,
            },
            Err(e) => e.code() as i32,
        }
    }

    fn log_message(&self, msg: &std::ffi::CStr) {
        tracing::info!(answer = 42, "{}", msg.to_string_lossy());
    }

    fn host_thread_seen(&self) -> u64 {
        host().host_thread_id().unwrap_or(0)
    }

    fn empty(&self) {}

    fn sw_add(&self, a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    fn sw_sleep(&self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(ms.into()));
    }

    fn sw_thread_seen(&self) -> u64 {
        host().host_thread_id().unwrap_or(0)
    }

    fn sw_empty(&self) {}

    fn print_and_add(&self, a: i32, b: i32) -> i32 {
        // Standard streams are closed: printing must not end the enclave.
        println!("this goes nowhere");
        eprintln!("neither does this");
        a.wrapping_add(b)
    }

    fn ocall_loop(&self, n: u32) {
        let host = host();
        for _ in 0..n {
            let _ = host.host_empty();
        }
    }

    fn take_in(&self, buf: &[u8]) {
        std::hint::black_box(buf);
    }

    fn sum_in(&self, buf: &[u8]) -> u64 {
        buf.iter().map(|b| u64::from(*b)).sum()
    }

    fn sw_sum_shared(&self, buf: secgear_enclave::abi::UserPtr, len: usize, sum: &mut u64) -> i32 {
        match secgear_enclave::shared(buf, len) {
            Ok(view) => {
                *sum = view.copy_in().iter().map(|b| u64::from(*b)).sum();
                0
            }
            Err(e) => e.kind().code() as i32,
        }
    }

    fn sw_fill_shared(&self, buf: secgear_enclave::abi::UserPtr, len: usize, value: u8) -> i32 {
        match secgear_enclave::shared(buf, len).and_then(|view| view.write(0, &vec![value; len])) {
            Ok(()) => 0,
            Err(e) => e.kind().code() as i32,
        }
    }

    fn sw_fill_out(&self, buf: &mut [u8]) {
        buf.fill(0xa5);
    }

    /// Test-only: a real enclave would keep what it opens.
    fn open_resource(
        &self,
        path: &std::ffi::CStr,
        enc: &[u8],
        ct: &[u8],
        plain: &mut [u8],
        plain_len: &mut usize,
    ) -> i32 {
        let path = path.to_string_lossy();
        match secgear_enclave::tee_key::open_parts(&path, enc, ct) {
            Ok(bytes) if bytes.len() <= plain.len() => {
                plain[..bytes.len()].copy_from_slice(&bytes);
                *plain_len = bytes.len();
                0
            }
            Ok(_) => -2,
            Err(e) => e.kind().code() as i32,
        }
    }

    /// Decrypts the records it is given; for each whole message (u64s,
    /// little-endian) replies with their sum, encrypted. 1 when the client
    /// closed, a negative or error code on failure.
    fn channel_sum(&self, frames: &[u8], reply: &mut [u8], reply_len: &mut usize) -> i32 {
        use secgear_enclave::channel::{self, Received};
        let Ok(frames) = channel::wire::split(frames) else {
            return -1;
        };
        let mut out = Vec::new();
        let mut closed = false;
        for frame in frames {
            match channel::decrypt(frame) {
                Ok((session, Received::Message(m))) => {
                    let sum: u64 = m
                        .chunks_exact(8)
                        .filter_map(|c| c.try_into().ok().map(u64::from_le_bytes))
                        .fold(0u64, u64::wrapping_add);
                    match channel::encrypt(&session, format!("sum={sum}").as_bytes()) {
                        Ok(f) => out.extend(f.concat()),
                        Err(e) => return e.kind().code() as i32,
                    }
                }
                Ok((_, Received::Partial)) => {}
                Ok((_, Received::Closed)) => closed = true,
                Err(e) => return e.kind().code() as i32,
            }
        }
        if out.len() > reply.len() {
            return -2;
        }
        reply[..out.len()].copy_from_slice(&out);
        *reply_len = out.len();
        i32::from(closed)
    }

    fn ocall_sw_thread(&self) -> u64 {
        host().host_thread_id_sw().unwrap_or(0)
    }

    fn ocall_loop_sw(&self, n: u32) {
        let host = host();
        for _ in 0..n {
            let _ = host.host_empty_sw();
        }
    }

    fn give_out(&self, buf: &mut [u8]) {
        if let Some(first) = buf.first_mut() {
            *first = 1;
        }
    }

    fn random_differs(&self) -> i32 {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        if secgear_enclave::random(&mut a).is_err() || secgear_enclave::random(&mut b).is_err() {
            return -1;
        }
        i32::from(a != b)
    }
}

secgear_enclave::entry!(edl, TestEnclave);
