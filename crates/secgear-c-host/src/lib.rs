//! `libsecgear.so`: the original secGear host C API over `secgear-host`,
//! so secGear C host programs build and run unchanged. The headers are in
//! `sdk/include/secGear/` (`secgear sdk install` copies them).
//!
//! Every entry point checks its pointers, reports failures as the
//! original's `cc_enclave_result_t` codes with a log line saying why, and
//! never lets a panic unwind into C.

mod asynchronous;
mod calls;
mod channel;
mod enclave;
mod ffi;
mod lock;
mod logging;
pub mod ocalls;
mod shared;
mod status;
mod tables;
pub mod types;

pub use asynchronous::{cc_sl_get_async_result, sg_ecall_async};
pub use calls::sg_ecall;
pub use channel::sg_channel_relay;
pub use enclave::{cc_enclave_create, cc_enclave_destroy};
pub use ocalls::{SgOcallFn, SgOcallTable};
/// The message functions generated code calls, exported from this library too.
pub use secgear_c_abi as wire;
pub use shared::{cc_free_shared_memory, cc_malloc_shared_memory, sg_shared_region, sg_user_ptr};
pub use status::cc_enclave_res2_str;
