//! Seals a secret to this enclave's measurement and hands the blob to the
//! host for storage: the host keeps it but cannot read or change it.
#![forbid(unsafe_code)]

use secgear_enclave::{ErrorCode, SealPolicy};

mod edl {
    secgear_abi::include_enclave!("seal_data");
}

struct SealData;

fn host() -> edl::OcallClient<secgear_enclave::HostTransport> {
    edl::OcallClient::new(secgear_enclave::host())
}

const AAD: &[u8] = b"seal_data example v1";

impl edl::Trusted for SealData {
    fn seal_and_store(&self, secret: &std::ffi::CStr) -> i32 {
        let blob = match secgear_enclave::seal(secret.to_bytes(), AAD, SealPolicy::Measurement) {
            Ok(b) => b,
            Err(e) => return e.code() as i32,
        };
        match host().save_blob(&blob) {
            Ok(0) => 0,
            Ok(host_error) => host_error,
            Err(e) => e.code() as i32,
        }
    }

    fn load_and_unseal(&self, secret: &mut [u8; 256]) -> i32 {
        let mut blob = vec![0u8; 4096];
        let mut len = 0usize;
        match host().load_blob(&mut blob, &mut len) {
            Ok(0) => {}
            Ok(host_error) => return host_error,
            Err(e) => return e.code() as i32,
        }
        let Some(blob) = blob.get(..len) else {
            return ErrorCode::BadParameters.code() as i32;
        };
        match secgear_enclave::unseal(blob) {
            Ok(u) if u.aad == AAD && u.data.len() < secret.len() => {
                secret[..u.data.len()].copy_from_slice(&u.data);
                0
            }
            Ok(_) => ErrorCode::BadFormat.code() as i32,
            Err(e) => e.code() as i32,
        }
    }
}

secgear_enclave::entry!(edl, SealData);
