//! Asks the user's name and greets them, all I/O through the host.
#![forbid(unsafe_code)]

mod edl {
    secgear_abi::include_enclave!("ocall");
}

struct Greeter;

impl edl::Trusted for Greeter {
    fn greet_user(&self) -> i32 {
        let host = edl::OcallClient::new(secgear_enclave::host());
        let mut buf = [0u8; 128];
        let asked = host
            .print_line(c"What is your name?")
            .and_then(|()| host.read_line(&mut buf));
        let n = match asked {
            Ok(n) => usize::try_from(n).unwrap_or(0).min(buf.len()),
            Err(e) => return e.code() as i32,
        };
        let name = String::from_utf8_lossy(&buf[..n]).trim().to_string();
        let name = if name.is_empty() {
            "stranger".to_string()
        } else {
            name
        };
        tracing::info!(len = name.len(), "greeting a user");
        let line = std::ffi::CString::new(format!("Hello, {name}, from inside the enclave!"))
            .unwrap_or_default();
        match host.print_line(&line) {
            Ok(()) => 0,
            Err(e) => e.code() as i32,
        }
    }
}

secgear_enclave::entry!(edl, Greeter);
