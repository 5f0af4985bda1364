//! The C types of `secure_channel.h` and `secure_channel_client.h`, laid
//! out as the original's: applications allocate them.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};

/// Sends `count` bytes on the application's connection; negative on failure.
pub type cc_conn_opt_funcptr_t =
    Option<unsafe extern "C" fn(conn: *mut c_void, buf: *mut c_void, count: usize) -> c_int>;

#[repr(C)]
pub struct cc_conn_kit_t {
    pub send: cc_conn_opt_funcptr_t,
    pub conn: *mut c_void,
}

/// `cc_sec_chl_algo_t`: the one suite the original names. Here it stands
/// for this project's suite (Noise XX, X25519, AES-256-GCM, SHA-256).
pub const CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM: u32 = 0;

#[repr(C)]
pub struct cc_sec_chl_ctx_t {
    /// Set by init: the session's short id, which the server side passes to
    /// `cc_sec_chl_enclave_encrypt`/`_decrypt`.
    pub session_id: usize,
    pub conn_kit: cc_conn_kit_t,
    /// The library's state (`Box<crate::handle::Handle>`), set by init.
    pub handle: *mut c_void,
    /// The original's TA UUID; unused here (what to expect of the enclave
    /// comes from the client configuration file).
    pub uuid: *mut c_char,
}

/// (name, value) of every size and offset the header must agree with.
pub fn layout_facts() -> Vec<(&'static str, u64)> {
    use std::mem::{offset_of, size_of};
    vec![
        (
            "sizeof(cc_sec_chl_ctx_t)",
            size_of::<cc_sec_chl_ctx_t>() as u64,
        ),
        (
            "offsetof(cc_sec_chl_ctx_t, conn_kit)",
            offset_of!(cc_sec_chl_ctx_t, conn_kit) as u64,
        ),
        (
            "offsetof(cc_sec_chl_ctx_t, handle)",
            offset_of!(cc_sec_chl_ctx_t, handle) as u64,
        ),
        (
            "offsetof(cc_sec_chl_ctx_t, uuid)",
            offset_of!(cc_sec_chl_ctx_t, uuid) as u64,
        ),
        (
            "CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM",
            u64::from(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM),
        ),
    ]
}
