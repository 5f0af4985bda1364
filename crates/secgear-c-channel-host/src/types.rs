//! The C types of `secure_channel.h` and `secure_channel_host.h`, laid out
//! as the original's: applications allocate them.

#![allow(non_camel_case_types)]

use std::ffi::{c_int, c_void};

/// Sends `count` bytes on the application's connection; negative on failure.
pub type cc_conn_opt_funcptr_t =
    Option<unsafe extern "C" fn(conn: *mut c_void, buf: *mut c_void, count: usize) -> c_int>;

#[repr(C)]
pub struct cc_conn_kit_t {
    pub send: cc_conn_opt_funcptr_t,
    pub conn: *mut c_void,
}

/// Unused here: sessions expire inside the enclave, without a host timer.
#[repr(C)]
pub struct sec_chl_timer_t {
    pub timerfd: c_int,
    pub eventfd: c_int,
}

#[repr(C)]
pub struct cc_sec_chl_svr_ctx_t {
    /// A `cc_enclave_t *` from `cc_enclave_create`.
    pub enclave_ctx: *mut c_void,
    pub timer: sec_chl_timer_t,
    pub is_init: bool,
}

#[repr(C)]
pub struct cc_sec_chl_conn_ctx_t {
    pub svr_ctx: *mut cc_sec_chl_svr_ctx_t,
    pub conn_kit: cc_conn_kit_t,
}

/// (name, value) of every size and offset the header must agree with.
pub fn layout_facts() -> Vec<(&'static str, u64)> {
    use std::mem::{offset_of, size_of};
    vec![
        ("sizeof(cc_conn_kit_t)", size_of::<cc_conn_kit_t>() as u64),
        (
            "offsetof(cc_conn_kit_t, conn)",
            offset_of!(cc_conn_kit_t, conn) as u64,
        ),
        (
            "sizeof(sec_chl_timer_t)",
            size_of::<sec_chl_timer_t>() as u64,
        ),
        (
            "sizeof(cc_sec_chl_svr_ctx_t)",
            size_of::<cc_sec_chl_svr_ctx_t>() as u64,
        ),
        (
            "offsetof(cc_sec_chl_svr_ctx_t, timer)",
            offset_of!(cc_sec_chl_svr_ctx_t, timer) as u64,
        ),
        (
            "offsetof(cc_sec_chl_svr_ctx_t, is_init)",
            offset_of!(cc_sec_chl_svr_ctx_t, is_init) as u64,
        ),
        (
            "sizeof(cc_sec_chl_conn_ctx_t)",
            size_of::<cc_sec_chl_conn_ctx_t>() as u64,
        ),
        (
            "offsetof(cc_sec_chl_conn_ctx_t, conn_kit)",
            offset_of!(cc_sec_chl_conn_ctx_t, conn_kit) as u64,
        ),
    ]
}
