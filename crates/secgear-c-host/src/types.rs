//! The C types of the original headers, laid out as C lays them out: C
//! programs allocate them (`cc_enclave_t context = {0};`) and pass them in,
//! so their sizes and field offsets are ABI. `tests/layout.rs` compiles the
//! headers with gcc and checks every size, offset and constant against these.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void};

/// `cc_enclave_result_t`: `CC_SUCCESS` or an `ErrorCode` value.
pub type cc_enclave_result_t = u32;
pub const CC_SUCCESS: cc_enclave_result_t = 0;

/// `enclave_type_t`.
pub type enclave_type_t = u32;
pub const SGX_ENCLAVE_TYPE: enclave_type_t = 0;
pub const GP_ENCLAVE_TYPE: enclave_type_t = 1;
pub const PENGLAI_ENCLAVE_TYPE: enclave_type_t = 2;
pub const AUTO_ENCLAVE_TYPE: enclave_type_t = 3;
pub const ENCLAVE_TYPE_MAX: enclave_type_t = 4;

/// `flags` bit of `cc_enclave_create`: run the enclave in debug mode.
pub const SECGEAR_DEBUG_FLAG: u32 = 0x1;

/// `enclave_features_t::setting_type` values.
pub const ENCLAVE_FEATURE_SWITCHLESS: u32 = 1;
pub const ENCLAVE_FEATURE_PROTECTED_CODE_LOADER: u32 = 2;

/// The enclave context the application allocates, zeroed.
#[repr(C)]
pub struct cc_enclave_t {
    pub r#type: enclave_type_t,
    /// The image path, a copy the library owns (freed by destroy).
    pub path: *mut c_char,
    pub flags: u32,
    /// Calls hold it for reading, destroy for writing.
    pub rwlock: libc::pthread_rwlock_t,
    /// Set between a successful create and its destroy.
    pub used_flag: bool,
    /// The library's state: a `Box<crate::enclave::Context>`.
    pub private_data: *mut c_void,
    /// Unused here (the original keeps a list of engine libraries).
    pub list_ops_node: *mut c_void,
}

/// One optional feature of `cc_enclave_create`.
#[repr(C)]
pub struct enclave_features_t {
    pub setting_type: u32,
    pub feature_desc: *mut c_void,
}

/// `cc_workers_policy_t`.
pub const WORKERS_POLICY_BUSY: u32 = 0;
pub const WORKERS_POLICY_WAKEUP: u32 = 1;
pub const WORKERS_POLICY_MAX: u32 = 2;

/// `cc_sl_config_t`, the switchless settings (`feature_desc` of
/// `ENCLAVE_FEATURE_SWITCHLESS`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct cc_sl_config_t {
    pub num_uworkers: u32,
    pub num_tworkers: u32,
    /// Task pool size in units of 64 tasks.
    pub sl_call_pool_size_qwords: u32,
    pub num_max_params: u32,
    /// Microseconds here (the original counts pause instructions); 0: default.
    pub retries_before_fallback: u32,
    /// Microseconds here; 0: default.
    pub retries_before_sleep: u32,
    pub workers_policy: u32,
    pub rollback_to_common: u32,
    pub tworkers_cores: libc::cpu_set_t,
}

/// The numbers `tests/layout.rs` checks the headers against: (name, value).
pub fn layout_facts() -> Vec<(&'static str, u64)> {
    use std::mem::{offset_of, size_of};
    vec![
        ("sizeof(cc_enclave_t)", size_of::<cc_enclave_t>() as u64),
        (
            "offsetof(cc_enclave_t, type)",
            offset_of!(cc_enclave_t, r#type) as u64,
        ),
        (
            "offsetof(cc_enclave_t, path)",
            offset_of!(cc_enclave_t, path) as u64,
        ),
        (
            "offsetof(cc_enclave_t, flags)",
            offset_of!(cc_enclave_t, flags) as u64,
        ),
        (
            "offsetof(cc_enclave_t, rwlock)",
            offset_of!(cc_enclave_t, rwlock) as u64,
        ),
        (
            "offsetof(cc_enclave_t, used_flag)",
            offset_of!(cc_enclave_t, used_flag) as u64,
        ),
        (
            "offsetof(cc_enclave_t, private_data)",
            offset_of!(cc_enclave_t, private_data) as u64,
        ),
        (
            "offsetof(cc_enclave_t, list_ops_node)",
            offset_of!(cc_enclave_t, list_ops_node) as u64,
        ),
        (
            "sizeof(enclave_features_t)",
            size_of::<enclave_features_t>() as u64,
        ),
        (
            "offsetof(enclave_features_t, feature_desc)",
            offset_of!(enclave_features_t, feature_desc) as u64,
        ),
        ("sizeof(cc_sl_config_t)", size_of::<cc_sl_config_t>() as u64),
        (
            "offsetof(cc_sl_config_t, workers_policy)",
            offset_of!(cc_sl_config_t, workers_policy) as u64,
        ),
        (
            "offsetof(cc_sl_config_t, tworkers_cores)",
            offset_of!(cc_sl_config_t, tworkers_cores) as u64,
        ),
        ("SGX_ENCLAVE_TYPE", SGX_ENCLAVE_TYPE.into()),
        ("GP_ENCLAVE_TYPE", GP_ENCLAVE_TYPE.into()),
        ("PENGLAI_ENCLAVE_TYPE", PENGLAI_ENCLAVE_TYPE.into()),
        ("AUTO_ENCLAVE_TYPE", AUTO_ENCLAVE_TYPE.into()),
        ("ENCLAVE_TYPE_MAX", ENCLAVE_TYPE_MAX.into()),
        ("SECGEAR_DEBUG_FLAG", SECGEAR_DEBUG_FLAG.into()),
        (
            "ENCLAVE_FEATURE_SWITCHLESS",
            ENCLAVE_FEATURE_SWITCHLESS.into(),
        ),
        (
            "ENCLAVE_FEATURE_PROTECTED_CODE_LOADER",
            ENCLAVE_FEATURE_PROTECTED_CODE_LOADER.into(),
        ),
        ("WORKERS_POLICY_BUSY", WORKERS_POLICY_BUSY.into()),
        ("WORKERS_POLICY_WAKEUP", WORKERS_POLICY_WAKEUP.into()),
        ("WORKERS_POLICY_MAX", WORKERS_POLICY_MAX.into()),
        ("CC_SUCCESS", CC_SUCCESS.into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original's sizes on LP64 glibc (upstream headers compiled with gcc).
    #[test]
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    fn sizes_match_the_original_sdk() {
        assert_eq!(size_of::<cc_enclave_t>(), 104);
        assert_eq!(std::mem::offset_of!(cc_enclave_t, used_flag), 80);
        assert_eq!(size_of::<enclave_features_t>(), 16);
        assert_eq!(size_of::<cc_sl_config_t>(), 160);
        assert_eq!(std::mem::offset_of!(cc_sl_config_t, tworkers_cores), 32);
    }
}
